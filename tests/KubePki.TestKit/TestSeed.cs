using System.Globalization;

namespace KubePki.TestKit;

/// <summary>The seed of a test that picks random instants: <c>KUBEPKI_TEST_SEED</c> when set, so a failure can be
/// replayed, else a fresh one. Either way the seed is written to the test's output.</summary>
public static class TestSeed
{
    public const string Variable = "KUBEPKI_TEST_SEED";

    public static Random Random(Action<string> writeLine)
    {
        var seed = Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } text
            ? int.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture)
            : System.Random.Shared.Next();
        writeLine($"random seed {seed} (replay with {Variable}={seed})");
        return new Random(seed);
    }
}
