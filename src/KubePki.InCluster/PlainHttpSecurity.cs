using System.Net.Security;

namespace KubePki.InCluster;

/// <summary>What a <see cref="PlainHttpServer"/> adds on top of plain HTTP for the exporter's web config: TLS on every
/// connection, a check of the Authorization header before any path is answered, and extra response headers. The
/// default adds nothing, so the health endpoints of the controller and the agent stay plain.</summary>
public sealed record PlainHttpSecurity
{
    public static PlainHttpSecurity None { get; } = new();

    /// <summary>The TLS options for each new connection (asked per connection, so a renewed certificate is served
    /// without a restart); null serves plain HTTP.</summary>
    public Func<SslServerAuthenticationOptions>? Tls { get; init; }

    /// <summary>Given the Authorization header (null when absent), whether the request may be answered; a refusal is
    /// a 401 with <c>WWW-Authenticate: Basic</c>. Null lets every request through.</summary>
    public Func<string?, bool>? Authorize { get; init; }

    /// <summary>Headers added to every answer (e.g. Strict-Transport-Security).</summary>
    public IReadOnlyList<(string Name, string Value)> Headers { get; init; } = [];
}
