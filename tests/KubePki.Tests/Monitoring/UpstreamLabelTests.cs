using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KubePki.Monitoring;
using KubePki.TestKit;

namespace KubePki.Tests.Monitoring;

/// <summary>Label values and paths exactly as x509-certificate-exporter v3.21.0 computes them (internal/exporter.go
/// fillLabelsFromName and trimComponents, Go's pkix.Name and filepath.Match), each expectation written from that
/// source.</summary>
public class UpstreamLabelTests
{
    /// <summary>A Name with, in order: C=FR; {O=First, OU=Unit} as one multi-valued RDN; ST=Province;
    /// street=1 Main St; O=Second; CN=one; L=Paris; CN=two.</summary>
    private static X500DistinguishedName Name()
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            (string Oid, string Value)[][] rdns =
            [
                [("2.5.4.6", "FR")],
                [("2.5.4.10", "First"), ("2.5.4.11", "Unit")],
                [("2.5.4.8", "Province")],
                [("2.5.4.9", "1 Main St")],
                [("2.5.4.10", "Second")],
                [("2.5.4.3", "one")],
                [("2.5.4.7", "Paris")],
                [("2.5.4.3", "two")],
            ];
            foreach (var rdn in rdns)
            {
                using (writer.PushSetOf())
                {
                    foreach (var (oid, value) in rdn)
                    {
                        using (writer.PushSequence())
                        {
                            writer.WriteObjectIdentifier(oid);
                            writer.WriteCharacterString(UniversalTagNumber.UTF8String, value);
                        }
                    }
                }
            }
        }
        return new X500DistinguishedName(writer.Encode());
    }

    [Fact]
    public void Name_labels_take_the_first_of_each_field_the_last_cn_and_st_is_the_street_address()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(Name(), key, HashAlgorithmName.SHA256);
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(1));

        var labels = ParsedCertificate.From(certificate).NameLabels.ToDictionary(l => l.Name, l => l.Value);

        // Go's FillFromRDNSequence appends C/street/L/O/OU (upstream takes [0]) and overwrites CommonName.
        Assert.Equal("FR", labels["subject_C"]);
        Assert.Equal("First", labels["subject_O"]);
        Assert.Equal("Unit", labels["subject_OU"]);
        Assert.Equal("1 Main St", labels["subject_ST"]);
        Assert.Equal("Paris", labels["subject_L"]);
        Assert.Equal("two", labels["subject_CN"]);
        Assert.Equal("two", labels["issuer_CN"]);
    }

    [Theory]
    [InlineData("/mnt/watch/file-abc/etc/kubernetes/pki/ca.crt", 3, "/etc/kubernetes/pki/ca.crt")]
    [InlineData("/mnt/watch/dir-abc//etc/kubernetes/pki/ca.crt", 3, "/etc/kubernetes/pki/ca.crt")]
    [InlineData("relative/a/b.crt", 1, "a/b.crt")]
    [InlineData("/a/b.crt", 0, "/a/b.crt")]
    [InlineData("/a/./b/../c.crt", 1, "/c.crt")]
    [InlineData("/a/b.crt", 5, "/")]
    public void Trim_path_components_keeps_the_leading_slash_and_cleans_as_go(string path, int count, string trimmed)
    {
        Assert.Equal(trimmed, GoPath.TrimComponents(path, count));
    }

    [Theory]
    [InlineData("*.crt", "ca.crt", true)]
    [InlineData("*.crt", ".crt", true)]
    [InlineData("*.crt", "ca.key", false)]
    [InlineData("c?.crt", "ca.crt", true)]
    [InlineData("[a-c]a.crt", "ca.crt", true)]
    [InlineData("[^a-c]a.crt", "ca.crt", false)]
    [InlineData("[^a-c]a.crt", "xa.crt", true)]
    [InlineData("\\*.crt", "*.crt", true)]
    [InlineData("\\*.crt", "a.crt", false)]
    [InlineData("{a,b}.crt", "a.crt", false)]
    [InlineData("{a,b}.crt", "{a,b}.crt", true)]
    public void Patterns_match_as_go_filepath_match(string pattern, string name, bool matches)
    {
        Assert.Equal(matches, GoGlob.Match(pattern, name));
    }

    [Theory]
    [InlineData("/etc/[kubernetes")]
    [InlineData("/etc/kubernetes/ca\\")]
    [InlineData("/etc/[]a")]
    [InlineData("/etc/[a-]")]
    public void Malformed_patterns_are_refused_naming_the_flag(string pattern)
    {
        var error = Assert.Throws<KubePkiException>(() => GoGlob.Validate(pattern, "--watch-file"));
        Assert.StartsWith("--watch-file: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Globs_expand_across_directories_keep_only_what_the_flag_wants_and_see_new_files()
    {
        using var dir = new TempDir("glob");
        Directory.CreateDirectory(dir.Combine("node-1", "pki"));
        Directory.CreateDirectory(dir.Combine("node-2", "pki"));
        Directory.CreateDirectory(dir.Combine("node-2", "pki", "sub.crt"));
        File.WriteAllText(dir.Combine("node-1", "pki", "a.crt"), "");
        File.WriteAllText(dir.Combine("node-2", "pki", "b.crt"), "");
        File.WriteAllText(dir.Combine("node-2", "pki", "b.key"), "");

        var pattern = dir.Path + "//node-*/pki/*.crt";
        Assert.Equal(
            [dir.Combine("node-1", "pki", "a.crt"), dir.Combine("node-2", "pki", "b.crt")],
            GoGlob.Expand(pattern, GlobTarget.Files)
        );
        Assert.Equal([dir.Combine("node-2", "pki", "sub.crt")], GoGlob.Expand(pattern, GlobTarget.Directories));
        Assert.Equal(
            [dir.Combine("node-1", "pki"), dir.Combine("node-2", "pki")],
            GoGlob.Expand(dir.Path + "/node-?/pki", GlobTarget.Directories)
        );
        File.WriteAllText(dir.Combine("node-1", "pki", "c.crt"), "");
        Assert.Equal(3, GoGlob.Expand(pattern, GlobTarget.Files).Count);
        Assert.Empty(GoGlob.Expand(dir.Path + "/none-*/x", GlobTarget.Files));
    }
}
