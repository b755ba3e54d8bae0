namespace KubePki.ControlPlane;

/// <summary>One <c>httpGet</c> probe of a static pod (<c>startupProbe</c>, <c>livenessProbe</c> or
/// <c>readinessProbe</c>), resolved to the URL the kubelet requests.</summary>
internal sealed record HttpGetProbe(string Kind, string Scheme, string Host, int Port, string Path)
{
    public Uri Url => new($"{Scheme.ToLowerInvariant()}://{(Host.Contains(':') ? $"[{Host}]" : Host)}:{Port}{Path}");

    public override string ToString() => $"{Kind} {Url}";
}
