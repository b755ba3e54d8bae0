namespace KubePki.Fuzz;

/// <summary>The fuzz targets by name. Each target feeds one input to a parser and checks the parser's contract; an
/// exception that leaves a target is a finding (AFL++ counts it as a crash, the replay test fails on it).</summary>
public static class FuzzTargets
{
    public static IReadOnlyDictionary<string, Action<byte[]>> All { get; } =
        new Dictionary<string, Action<byte[]>>
        {
            [KubeadmConfigTarget.Name] = KubeadmConfigTarget.Run,
            [KubeconfigTarget.Name] = KubeconfigTarget.Run,
            [PemTarget.Name] = PemTarget.Run,
            [CsrTarget.Name] = CsrTarget.Run,
        };

    public static Action<byte[]> Get(string name) =>
        All.TryGetValue(name, out var target)
            ? target
            : throw new ArgumentException($"unknown fuzz target \"{name}\"; known: {string.Join(", ", All.Keys)}");
}
