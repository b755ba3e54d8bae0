using KubePki.Crypto;

namespace KubePki.ControlPlane;

/// <summary>One look at a component: healthy when every httpGet probe of its manifest answers 200–399 and, for a
/// component that serves a kubeadm certificate, it presents the certificate now on disk; stopped when no probe gets
/// any answer. <see cref="Waiting"/> says what is still missing, for progress and error messages.</summary>
internal sealed record HealthSnapshot(bool Healthy, bool Stopped, string Waiting);

internal sealed class ComponentHealth(IComponentProbe probe)
{
    public async Task<HealthSnapshot> CheckAsync(
        ControlPlaneComponent component,
        StaticPodManifest manifest,
        CancellationToken cancellationToken,
        bool servedCertificate = true
    )
    {
        var pending = new List<string>();
        var anyAnswer = false;
        foreach (var httpGet in manifest.Probes)
        {
            var outcome = await probe.GetAsync(httpGet, cancellationToken).ConfigureAwait(false);
            anyAnswer |= outcome.State != ProbeState.Unreachable;
            if (outcome.State != ProbeState.Success)
            {
                pending.Add($"{httpGet} ({outcome.Detail})");
            }
        }
        if (pending.Count == 0 && servedCertificate && ServedEndpoint(component, manifest) is { } endpoint)
        {
            var served = await probe
                .ServedCertificateAsync(endpoint.Host, endpoint.Port, cancellationToken)
                .ConfigureAwait(false);
            var onDisk = ReadCertificate(endpoint.CertFile);
            if (served is null || onDisk is null || !served.AsSpan().SequenceEqual(onDisk))
            {
                pending.Add(
                    $"{endpoint.CertFile} served on {endpoint.Host}:{endpoint.Port} ({(served is null ? "no " +
                    "certificate presented" : "a different certificate is served")})"
                );
            }
        }
        return new HealthSnapshot(pending.Count == 0, !anyAnswer, string.Join(", ", pending));
    }

    /// <summary>What "healthy" will be judged by, for progress lines.</summary>
    public static string Criteria(ControlPlaneComponent component, StaticPodManifest manifest)
    {
        var parts = manifest.Probes.Select(p => p.ToString()).ToList();
        if (ServedEndpoint(component, manifest) is { } endpoint)
        {
            parts.Add($"{endpoint.CertFile} served on {endpoint.Host}:{endpoint.Port}");
        }
        return string.Join(", ", parts);
    }

    /// <summary>Where the component serves its kubeadm certificate: kube-apiserver's --tls-cert-file on --secure-port
    /// (default 6443), etcd's --cert-file on its first https --listen-client-urls URL. Null when it serves
    /// none.</summary>
    public static (string CertFile, string Host, int Port)? ServedEndpoint(
        ControlPlaneComponent component,
        StaticPodManifest manifest
    )
    {
        if (component.ServedCertFlag is null || manifest.Flag(component.ServedCertFlag) is not { Length: > 0 } certFile)
        {
            return null;
        }
        if (component == ControlPlaneComponent.KubeApiServer)
        {
            var port = int.TryParse(manifest.Flag("--secure-port"), out var p) ? p : 6443;
            var host = manifest.Probes.FirstOrDefault(x => x.Port == port)?.Host ?? "127.0.0.1";
            return (certFile, host, port);
        }
        var url = (manifest.Flag("--listen-client-urls") ?? "")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(u => Uri.TryCreate(u, UriKind.Absolute, out var uri) ? uri : null)
            .FirstOrDefault(u => u is { Scheme: "https" });
        if (url is null)
        {
            return null;
        }
        var urlHost = url.Host is "0.0.0.0" or "[::]" or "::" ? "127.0.0.1" : url.Host.Trim('[', ']');
        return (certFile, urlHost, url.Port);
    }

    private static byte[]? ReadCertificate(string path)
    {
        try
        {
            using var certificate = PemCodec.DecodeCertificate(File.ReadAllText(path), path);
            return certificate.RawData;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or KubePkiException)
        {
            return null;
        }
    }
}
