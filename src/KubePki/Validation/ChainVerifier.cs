using System.Security.Cryptography.X509Certificates;

namespace KubePki.Validation;

/// <summary>Does a certificate chain up to a given CA? Time validity and key usages are not judged here (kubeadm's
/// VerifyCertChain uses ExtKeyUsageAny; expiry only warns).</summary>
internal static class ChainVerifier
{
    private const X509ChainStatusFlags Tolerated =
        X509ChainStatusFlags.NotTimeValid | X509ChainStatusFlags.NotValidForUsage | X509ChainStatusFlags.NoError;

    public static bool IsSignedBy(
        X509Certificate2 certificate,
        IEnumerable<X509Certificate2> intermediates,
        X509Certificate2 ca
    )
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        foreach (var intermediate in intermediates)
        {
            chain.ChainPolicy.ExtraStore.Add(intermediate);
        }
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationFlags =
            X509VerificationFlags.IgnoreNotTimeValid | X509VerificationFlags.IgnoreWrongUsage;
        chain.Build(certificate);
        var elements = chain.ChainElements;
        if (elements.Count < 2 || !elements[^1].Certificate.RawDataMemory.Span.SequenceEqual(ca.RawDataMemory.Span))
        {
            return ReferenceEquals(certificate, ca)
                || certificate.RawDataMemory.Span.SequenceEqual(ca.RawDataMemory.Span);
        }
        return elements.Cast<X509ChainElement>().All(e => e.ChainElementStatus.All(s => (s.Status & ~Tolerated) == 0));
    }
}
