using System.Security.Cryptography;
using KubePki.Configuration;
using KubePki.Crypto;
using KubePki.Files;
using KubePki.GoText;
using KubePki.Kubeconfig;
using KubePki.Storage;
using KubePki.TestKit;

namespace KubePki.Tests;

/// <summary>The kind each main throw site gives its error: what a library caller switches on.</summary>
public class KubePkiExceptionTests
{
    [Fact]
    public void A_held_lock_is_busy()
    {
        using var dir = new TempDir();
        var path = dir.Combine("kubepki-renew.lock");
        using var held = FileLock.Acquire(path, TimeSpan.Zero, TimeProvider.System);

        var e = Assert.Throws<KubePkiException>(() => FileLock.Acquire(path, TimeSpan.Zero, TimeProvider.System));

        Assert.Equal(KubePkiErrorKind.Busy, e.Kind);
    }

    [Fact]
    public void A_lock_file_that_is_a_symbolic_link_is_an_invalid_file()
    {
        using var dir = new TempDir();
        var path = dir.Combine("kubepki-renew.lock");
        File.CreateSymbolicLink(path, dir.Combine("elsewhere"));

        var e = Assert.Throws<KubePkiException>(() => FileLock.Acquire(path, TimeSpan.Zero, TimeProvider.System));

        Assert.Equal(KubePkiErrorKind.InvalidFile, e.Kind);
    }

    [Fact]
    public void A_missing_file_is_not_found_through_every_reader()
    {
        using var dir = new TempDir();
        var missing = dir.Combine("nothing", "here.yaml");

        Assert.Equal(
            KubePkiErrorKind.NotFound,
            Assert.Throws<KubePkiException>(() => SafeFileReader.Read(missing)).Kind
        );
        Assert.Equal(
            KubePkiErrorKind.NotFound,
            Assert.Throws<KubePkiException>(() => DiskFileStore.Instance.ReadText(missing)).Kind
        );
        var config = Assert.Throws<KubePkiException>(() =>
            ClusterConfigResolver.Resolve(new ConfigOverrides { ConfigPath = missing }, TextWriter.Null)
        );
        Assert.StartsWith("--config ", config.Message);
        Assert.Equal(KubePkiErrorKind.NotFound, config.Kind);
    }

    [Fact]
    public void A_fifo_given_as_config_is_an_invalid_file()
    {
        using var dir = new TempDir();
        var fifo = dir.Combine("config.yaml");
        Assert.Equal(0, ExternalTool.Run("mkfifo", [fifo]).ExitCode);

        var e = Assert.Throws<KubePkiException>(() =>
            ClusterConfigResolver.Resolve(new ConfigOverrides { ConfigPath = fifo }, TextWriter.Null)
        );

        Assert.Equal(KubePkiErrorKind.InvalidFile, e.Kind);
    }

    [Theory]
    [InlineData("--apiserver-advertise-address")]
    [InlineData("--service-cidr")]
    [InlineData("--control-plane-endpoint")]
    [InlineData("--service-dns-domain")]
    public void A_bad_flag_is_invalid_input(string flag)
    {
        var overrides = flag switch
        {
            "--apiserver-advertise-address" => new ConfigOverrides { AdvertiseAddress = "010.0.0.1" },
            "--service-cidr" => new ConfigOverrides { ServiceSubnet = "10.0.0.0" },
            "--service-dns-domain" => new ConfigOverrides { DnsDomain = "Not_A_Domain" },
            _ => new ConfigOverrides { ControlPlaneEndpoint = "a b" },
        };

        var e = Assert.Throws<KubePkiException>(() => ClusterConfigResolver.Resolve(overrides, TextWriter.Null));

        Assert.Equal(KubePkiErrorKind.InvalidInput, e.Kind);
    }

    [Theory]
    [InlineData("localAPIEndpoint:\n  bindPort: 70000")]
    [InlineData("localAPIEndpoint:\n  advertiseAddress: 1.2.3")]
    public void A_bad_config_field_is_invalid_input(string fields)
    {
        var yaml = "apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\n" + fields;

        var e = Assert.Throws<KubePkiException>(() =>
            KubeadmConfigLoader.Load(yaml, "kubeadm.yaml", new ClusterConfig())
        );

        Assert.Equal(KubePkiErrorKind.InvalidInput, e.Kind);
    }

    [Fact]
    public void A_bad_duration_is_invalid_input() =>
        Assert.Equal(
            KubePkiErrorKind.InvalidInput,
            Assert.Throws<KubePkiException>(() => GoDuration.Parse("1 day", "--lock-timeout")).Kind
        );

    [Fact]
    public void Unparseable_yaml_pem_and_kubeconfigs_are_invalid_files()
    {
        Assert.Equal(
            KubePkiErrorKind.InvalidFile,
            Assert
                .Throws<KubePkiException>(() =>
                    KubeadmConfigLoader.Load("kind: [", "kubeadm.yaml", new ClusterConfig())
                )
                .Kind
        );
        Assert.Equal(
            KubePkiErrorKind.InvalidFile,
            Assert.Throws<KubePkiException>(() => PemCodec.DecodeCertificate("no pem here", "ca.crt")).Kind
        );
        Assert.Equal(
            KubePkiErrorKind.InvalidFile,
            Assert.Throws<KubePkiException>(() => KubeconfigFile.Parse("- a list", "admin.conf")).Kind
        );
    }

    [Fact]
    public void A_message_given_more_context_keeps_the_kind_of_what_it_wraps()
    {
        var inner = new KubePkiException("x: does not exist", KubePkiErrorKind.NotFound);

        Assert.Equal(KubePkiErrorKind.NotFound, new KubePkiException("--flag " + inner.Message, inner).Kind);
        Assert.Equal(KubePkiErrorKind.Failed, new KubePkiException("y", new CryptographicException()).Kind);
        Assert.Equal(KubePkiErrorKind.Failed, new KubePkiException("z").Kind);
    }
}
