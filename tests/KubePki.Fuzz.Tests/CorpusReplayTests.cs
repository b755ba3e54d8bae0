namespace KubePki.Fuzz.Tests;

/// <summary>Every seed and every triaged finding (corpus/TARGET/seeds and corpus/TARGET/regression) goes through the
/// same target code the fuzzer runs: a finding that breaks its target's contract again fails here.</summary>
public class CorpusReplayTests
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(30);

    private static string CorpusRoot => Path.Combine(AppContext.BaseDirectory, "corpus");

    public static TheoryData<string, string> Inputs()
    {
        var data = new TheoryData<string, string>();
        foreach (var target in FuzzTargets.All.Keys)
        {
            foreach (var folder in new[] { "seeds", "regression" })
            {
                var directory = Path.Combine(CorpusRoot, target, folder);
                if (!Directory.Exists(directory))
                {
                    continue;
                }
                foreach (var file in Directory.EnumerateFiles(directory).Where(IsInput).Order(StringComparer.Ordinal))
                {
                    data.Add(target, $"{folder}/{Path.GetFileName(file)}");
                }
            }
        }
        return data;
    }

    // .gitkeep keeps an empty folder in git; it is no input.
    private static bool IsInput(string path) => !Path.GetFileName(path).StartsWith('.');

    [Theory]
    [MemberData(nameof(Inputs))]
    public async Task An_input_keeps_its_targets_contract(string target, string input)
    {
        var bytes = await File.ReadAllBytesAsync(Path.Combine(CorpusRoot, target, input));
        var run = Task.Run(() => FuzzTargets.Get(target)(bytes));

        // A hang (alias bomb, quadratic parse) is a finding too.
        var finished = await Task.WhenAny(run, Task.Delay(Budget));
        Assert.True(finished == run, $"{target} {input} ran longer than {Budget.TotalSeconds} s");
        await run;
    }

    [Fact]
    public void Every_target_has_seeds()
    {
        foreach (var target in FuzzTargets.All.Keys)
        {
            var seeds = Path.Combine(CorpusRoot, target, "seeds");
            Assert.True(
                Directory.Exists(seeds) && Directory.EnumerateFiles(seeds).Any(IsInput),
                $"no seeds for {target}"
            );
        }
    }
}
