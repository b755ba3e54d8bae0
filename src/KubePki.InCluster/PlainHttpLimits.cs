namespace KubePki.InCluster;

/// <summary>What one client may cost the health/metrics server. A scraper or probe sends a few hundred bytes of
/// headers at once and reads a small answer, so the limits sit far above real use and far below what a flood of
/// half-open or slow connections needs to exhaust the process.</summary>
internal sealed record PlainHttpLimits
{
    public static PlainHttpLimits Default { get; } = new();

    /// <summary>From accepting a connection to the end of its request headers, however the bytes trickle in.</summary>
    public TimeSpan HeaderTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>For writing the whole answer; a client that does not read is dropped after it.</summary>
    public TimeSpan ResponseTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Connections served at once; beyond it a connection gets 503 and is closed at once.</summary>
    public int MaxConnections { get; init; } = 64;

    /// <summary>Connections served at once from one client address, so one flooding address leaves room for the
    /// kubelet's probes and Prometheus.</summary>
    public int MaxConnectionsPerAddress { get; init; } = 16;

    /// <summary>The request line and headers together; a request body is refused.</summary>
    public int MaxHeaderBytes { get; init; } = 8192;
}
