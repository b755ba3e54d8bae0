using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace KubePki.Crypto;

/// <summary>The subjectAltName extension of a certificate or CSR: DNS names, then IP addresses, as Go's x509 writes
/// them.</summary>
internal static class SanExtension
{
    /// <summary>Null when there is no name at all. A DNS name .NET cannot encode (an empty label, a label over 63
    /// characters) is a <see cref="KubePkiException"/> naming it, so a renewal reports it like any other
    /// failure.</summary>
    public static X509Extension? Build(IEnumerable<string> dnsNames, IEnumerable<IPAddress> ipAddresses)
    {
        var san = new SubjectAlternativeNameBuilder();
        var any = false;
        foreach (var dns in dnsNames)
        {
            try
            {
                san.AddDnsName(dns);
            }
            catch (ArgumentException e)
            {
                throw new KubePkiException(
                    $"the DNS name \"{dns}\" cannot be written into a certificate: {e.Message}",
                    KubePkiErrorKind.InvalidInput
                );
            }
            any = true;
        }
        foreach (var ip in ipAddresses)
        {
            san.AddIpAddress(ip);
            any = true;
        }
        return any ? san.Build() : null;
    }
}
