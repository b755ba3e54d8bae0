using System.Text;
using KubePki.Kubeconfig;

namespace KubePki.Fuzz;

/// <summary>The kubeconfig reader and writer: read, change the credentials as renewal does, write, read back.
/// Contract: reading and every accessor either answer or throw <see cref="KubePkiException"/>; writing never throws;
/// what we wrote parses again, answers every accessor the same, and writes the same text again.</summary>
public static class KubeconfigTarget
{
    public const string Name = "kubeconfig";

    private const string NewCertificate = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    private const string NewKey = "-----BEGIN EC PRIVATE KEY-----\nMHcC\n-----END EC PRIVATE KEY-----\n";

    public static void Run(byte[] input)
    {
        KubeconfigFile file;
        try
        {
            file = KubeconfigFile.Parse(Encoding.UTF8.GetString(input), "admin.conf");
        }
        catch (KubePkiException)
        {
            return;
        }
        var before = Facts(file);
        RoundTrip(file, before);
        if (before.UserName.Error is null && before.ClusterName.Error is null)
        {
            try
            {
                file.SetClientCredentials(NewCertificate, NewKey);
                file.SetCertificateAuthority(NewCertificate);
            }
            catch (KubePkiException)
            {
                return;
            }
            var after = Facts(file);
            if (
                after.ClientCertificate.Value != NewCertificate
                || after.ClientKey.Value != NewKey
                || after.CertificateAuthority.Value != NewCertificate
            )
            {
                throw new ContractViolation($"credentials set but read back differently: {after}");
            }
            RoundTrip(file, after);
        }
    }

    private static void RoundTrip(KubeconfigFile file, KubeconfigFacts expected)
    {
        var written = file.Serialize();
        KubeconfigFile reread;
        try
        {
            reread = KubeconfigFile.Parse(written, "admin.conf");
        }
        catch (KubePkiException e)
        {
            throw new ContractViolation($"a kubeconfig we wrote does not parse: {e.Message}\n{written}");
        }
        var actual = Facts(reread);
        if (actual != expected)
        {
            throw new ContractViolation($"read back {actual}, expected {expected}\n{written}");
        }
        if (reread.Serialize() != written)
        {
            throw new ContractViolation($"writing what we read back changes the text\n{written}");
        }
    }

    private static KubeconfigFacts Facts(KubeconfigFile file) =>
        new(
            Try(() => file.CurrentContext),
            Try(() => file.CurrentClusterName),
            Try(() => file.CurrentUserName),
            Try(() => file.Server),
            Try(() => file.CertificateAuthorityPem),
            Try(() => file.CertificateAuthorityPath),
            Try(() => file.ClientCertificatePem),
            Try(() => file.ClientKeyPem),
            Try(() => file.ClientCertificatePath)
        );

    // Each accessor's documented failure is a KubePkiException; its message is kept, so a read-back must fail the
    // same way.
    private static Answer Try(Func<string?> read)
    {
        try
        {
            return new Answer(read(), null);
        }
        catch (KubePkiException e)
        {
            return new Answer(null, e.Message);
        }
    }

    private readonly record struct Answer(string? Value, string? Error);

    private sealed record KubeconfigFacts(
        Answer Context,
        Answer ClusterName,
        Answer UserName,
        Answer Server,
        Answer CertificateAuthority,
        Answer CertificateAuthorityPath,
        Answer ClientCertificate,
        Answer ClientKey,
        Answer ClientCertificatePath
    );
}
