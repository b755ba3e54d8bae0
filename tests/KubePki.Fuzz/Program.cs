using KubePki.Fuzz;
using SharpFuzz;

// KubePki.Fuzz TARGET          run under afl-fuzz (input on stdin, persistent mode)
// KubePki.Fuzz TARGET FILE...  run each file once and say which ones break the target's contract (triage;
//                              FUZZ_TRACE=1 prints stack traces)
if (args.Length == 0)
{
    Console.Error.WriteLine(
        "usage: KubePki.Fuzz TARGET [FILE...]; targets: " + string.Join(", ", FuzzTargets.All.Keys)
    );
    return 2;
}
var target = FuzzTargets.Get(args[0]);
if (args.Length == 1)
{
    Fuzzer.Run(stream =>
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        target(buffer.ToArray());
    });
    return 0;
}
var failed = 0;
foreach (var file in args[1..])
{
    try
    {
        target(File.ReadAllBytes(file));
        Console.WriteLine($"ok      {file}");
    }
    catch (Exception e)
    {
        failed++;
        Console.WriteLine($"FINDING {file}: {e.GetType().FullName}: {FirstLine(e.Message)}");
        if (Environment.GetEnvironmentVariable("FUZZ_TRACE") == "1")
        {
            Console.WriteLine(e);
        }
    }
}
return failed == 0 ? 0 : 1;

static string FirstLine(string message) => message.Split('\n')[0];
