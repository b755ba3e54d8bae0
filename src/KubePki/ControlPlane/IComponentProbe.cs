namespace KubePki.ControlPlane;

/// <summary>What a probe saw: a 200–399 answer, another answer (the process runs but is not healthy), or nothing
/// (refused, reset, timed out: nobody is serving).</summary>
internal enum ProbeState
{
    Success,
    Failure,
    Unreachable,
}

internal sealed record ProbeOutcome(ProbeState State, string Detail);

/// <summary>The network side of health checks, injected so the state machine can be driven without sockets.</summary>
internal interface IComponentProbe
{
    /// <summary>An HTTP(S) GET as the kubelet's prober makes it: HTTPS without verifying the server.</summary>
    Task<ProbeOutcome> GetAsync(HttpGetProbe probe, CancellationToken cancellationToken);

    /// <summary>The DER bytes of the leaf certificate a TLS server presents, or null when none could be read.</summary>
    Task<byte[]?> ServedCertificateAsync(string host, int port, CancellationToken cancellationToken);
}
