using System.Text.RegularExpressions;
using KubePki.TestKit;

namespace KubePki.Interop.Tests.Support;

/// <summary>Which certificate a TLS server actually serves, seen by <c>openssl s_client -showcerts</c> (presenting a
/// client cert, verifying the chain and the IP SAN), compared by openssl's serial, notAfter and SHA-256
/// fingerprint.</summary>
public static partial class TlsProbe
{
    /// <summary>The PEM of the first certificate the server at <paramref name="ip"/>:<paramref name="port"/> presents;
    /// the handshake must verify against <paramref name="caFile"/> for that IP.</summary>
    public static string ServedPem(string ip, int port, string caFile, string clientCert, string clientKey)
    {
        var result = ExternalTool.Run(
            "openssl",
            [
                "s_client",
                "-connect",
                $"{ip}:{port}",
                "-showcerts",
                "-CAfile",
                caFile,
                "-verify_return_error",
                "-verify_ip",
                ip,
                "-cert",
                clientCert,
                "-key",
                clientKey,
            ],
            timeout: TimeSpan.FromSeconds(20)
        );
        var first = FirstPem().Match(result.Out);
        Assert.True(
            result.ExitCode == 0 && first.Success,
            $"openssl s_client {ip}:{port} failed ({result.ExitCode}): {result.All}"
        );
        Assert.Contains("Verify return code: 0 (ok)", result.Out);
        return first.Value;
    }

    /// <summary>Serial, notAfter and SHA-256 fingerprint of a certificate file, as openssl prints them.</summary>
    public static string Identity(string certPath) =>
        ExternalTool
            .OpensslOk("x509", "-in", certPath, "-noout", "-serial", "-enddate", "-fingerprint", "-sha256")
            .Trim();

    /// <summary><see cref="Identity"/> of the certificate the server presents (written to <paramref
    /// name="scratchDir"/>).</summary>
    public static string ServedIdentity(
        string scratchDir,
        string ip,
        int port,
        string caFile,
        string clientCert,
        string clientKey
    )
    {
        Directory.CreateDirectory(scratchDir);
        var path = Path.Combine(scratchDir, $"served-{ip}-{port}-{Guid.NewGuid():N}.crt");
        File.WriteAllText(path, ServedPem(ip, port, caFile, clientCert, clientKey));
        return Identity(path);
    }

    [GeneratedRegex("-----BEGIN CERTIFICATE-----\n.*?-----END CERTIFICATE-----\n", RegexOptions.Singleline)]
    private static partial Regex FirstPem();
}
