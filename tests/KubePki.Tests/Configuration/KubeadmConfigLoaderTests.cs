using KubePki.Configuration;
using KubePki.GoText;
using KubePki.Model;

namespace KubePki.Tests.Configuration;

public class KubeadmConfigLoaderTests
{
    private static ClusterConfig Load(string yaml, List<string>? warnings = null) =>
        KubeadmConfigLoader.Load(yaml, "kubeadm.yaml", new ClusterConfig(), warnings);

    [Fact]
    public void Reads_every_supported_field_of_v1beta4()
    {
        var config = Load(
            """
            apiVersion: kubeadm.k8s.io/v1beta4
            kind: InitConfiguration
            localAPIEndpoint:
              advertiseAddress: 10.0.0.7
              bindPort: 7443
            nodeRegistration:
              name: node-a
            ---
            apiVersion: kubeadm.k8s.io/v1beta4
            kind: ClusterConfiguration
            certificatesDir: /srv/pki
            clusterName: prod
            controlPlaneEndpoint: api.example:6443
            networking:
              serviceSubnet: 10.100.0.0/16
              podSubnet: 10.244.0.0/16,fd00:10:244::/56
              dnsDomain: corp.local
            apiServer:
              certSANs: [a.example, 10.0.0.100]
            etcd:
              local:
                serverCertSANs: [etcd.example]
                peerCertSANs: [10.0.0.8]
            encryptionAlgorithm: ECDSA-P384
            certificateValidityPeriod: 720h
            caCertificateValidityPeriod: 43800h0m0s
            ---
            apiVersion: kubelet.config.k8s.io/v1beta1
            kind: KubeletConfiguration
            serverTLSBootstrap: true
            ---
            apiVersion: kubeproxy.config.k8s.io/v1alpha1
            kind: KubeProxyConfiguration
            """
        );

        Assert.Equal(
            new ClusterConfig
            {
                AdvertiseAddress = "10.0.0.7",
                BindPort = 7443,
                NodeName = "node-a",
                CertificatesDir = "/srv/pki",
                ClusterName = "prod",
                ControlPlaneEndpoint = "api.example:6443",
                ServiceSubnet = "10.100.0.0/16",
                PodSubnet = "10.244.0.0/16,fd00:10:244::/56",
                DnsDomain = "corp.local",
                ApiServerCertSans = config.ApiServerCertSans,
                EtcdServerCertSans = config.EtcdServerCertSans,
                EtcdPeerCertSans = config.EtcdPeerCertSans,
                KeyAlgorithm = KeyAlgorithm.EcdsaP384,
                CertificateValidity = TimeSpan.FromHours(720),
                CaCertificateValidity = TimeSpan.FromHours(43800),
            },
            config
        );
        Assert.Equal(["a.example", "10.0.0.100"], config.ApiServerCertSans);
        Assert.Equal(["etcd.example"], config.EtcdServerCertSans);
        Assert.Equal(["10.0.0.8"], config.EtcdPeerCertSans);
    }

    [Fact]
    public void V1beta3_public_keys_ecdsa_gate_means_p256_and_external_etcd_is_detected()
    {
        var config = Load(
            """
            apiVersion: kubeadm.k8s.io/v1beta3
            kind: ClusterConfiguration
            featureGates:
              PublicKeysECDSA: true
            etcd:
              external:
                endpoints: [https://10.0.0.1:2379]
            """
        );
        Assert.Equal(KeyAlgorithm.EcdsaP256, config.KeyAlgorithm);
        Assert.True(config.ExternalEtcd);
    }

    [Theory]
    [InlineData(
        "apiVersion: kubeadm.k8s.io/v1beta2\nkind: ClusterConfiguration",
        "kubeadm.yaml: document 1: kubeadm.k8s.io/v1beta2 is not supported; use kubeadm.k8s.io/v1beta3 or "
            + "kubeadm.k8s.io/v1beta4"
    )]
    [InlineData(
        "apiVersion: kubeadm.k8s.io/v1beta4\nkind: Cluster",
        "kubeadm.yaml: document 1: unknown apiVersion/kind \"kubeadm.k8s.io/v1beta4, Kind=Cluster\""
    )]
    [InlineData(
        "apiVersion: example.com/v1\nkind: Thing",
        "kubeadm.yaml: document 1: unknown apiVersion/kind \"example.com/v1, Kind=Thing\""
    )]
    [InlineData("kind: ClusterConfiguration", "kubeadm.yaml: document 1 has no apiVersion")]
    [InlineData(
        "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nnetworking: [a]",
        "kubeadm.yaml: ClusterConfiguration.networking: expected a mapping"
    )]
    [InlineData(
        "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nnetworking:\n  serviceSubnet: 10.96.0.0/40",
        "kubeadm.yaml: ClusterConfiguration.networking.serviceSubnet: \"10.96.0.0/40\" is not a valid CIDR"
    )]
    [InlineData(
        "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nnetworking:\n  podSubnet: 10.244.0/16",
        "kubeadm.yaml: ClusterConfiguration.networking.podSubnet: \"10.244.0/16\" is not a valid CIDR"
    )]
    [InlineData(
        "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\napiServer:\n  certSANs: a",
        "kubeadm.yaml: ClusterConfiguration.apiServer.certSANs: expected a list of strings"
    )]
    [InlineData(
        "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nencryptionAlgorithm: DSA",
        "kubeadm.yaml: ClusterConfiguration.encryptionAlgorithm: unknown value \"DSA\"; use RSA-2048, RSA-3072, "
            + "RSA-4096, ECDSA-P256 or ECDSA-P384"
    )]
    [InlineData(
        "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\ncertificateValidityPeriod: 1year",
        "kubeadm.yaml: ClusterConfiguration.certificateValidityPeriod: \"1year\" is not a valid positive duration "
            + "(e.g. 8760h)"
    )]
    [InlineData(
        "apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\nlocalAPIEndpoint:\n  bindPort: 70000",
        "kubeadm.yaml: InitConfiguration.localAPIEndpoint.bindPort: 70000 is not a valid port (1-65535)"
    )]
    [InlineData(
        "apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\nlocalAPIEndpoint:\n  advertiseAddress: 1.2.3",
        "kubeadm.yaml: InitConfiguration.localAPIEndpoint.advertiseAddress: \"1.2.3\" is not a valid IP address"
    )]
    [InlineData(
        "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\ncontrolPlaneEndpoint: \"host:99999\"",
        "error parsing cluster controlPlaneEndpoint \"host:99999\": port \"99999\" must be a number from 1 to 65535"
    )]
    [InlineData(
        "apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\nencryptionAlgorithm: RSA-2048",
        "kubeadm.yaml: ClusterConfiguration.encryptionAlgorithm: is a kubeadm.k8s.io/v1beta4 field; in v1beta3 use "
            + "featureGates.PublicKeysECDSA"
    )]
    [InlineData(
        "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n  bad: [",
        "kubeadm.yaml: invalid YAML at line"
    )]
    public void Bad_config_gives_one_line_naming_file_and_field(string yaml, string expected)
    {
        var e = Assert.Throws<KubePkiException>(() => Load(yaml));
        Assert.StartsWith(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Unknown_fields_are_warned_about()
    {
        var warnings = new List<string>();
        Load("apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\ncertificatesDirectory: /x", warnings);
        Assert.Equal(
            ["[config] WARNING: kubeadm.yaml: unknown field \"certificatesDirectory\" in ClusterConfiguration"],
            warnings
        );
    }

    [Fact]
    public void Flags_override_the_file_and_host_defaults_fill_the_rest()
    {
        var config = ClusterConfigResolver.Resolve(
            new ConfigOverrides
            {
                ConfigPath = "c.yaml",
                AdvertiseAddress = "10.1.1.1",
                ServiceSubnet = "10.200.0.0/16",
                ApiServerCertSans = ["x.example"],
            },
            TextWriter.Null,
            _ =>
                "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nnetworking:\n  serviceSubnet: "
                + "10.100.0.0/16\n  dnsDomain: a.local\n"
        );
        Assert.Equal("10.200.0.0/16", config.ServiceSubnet);
        Assert.Equal("a.local", config.DnsDomain);
        Assert.Equal("10.1.1.1", config.AdvertiseAddress);
        Assert.Equal(["x.example"], config.ApiServerCertSans);
        Assert.Equal(HostDefaults.NodeName(), config.NodeName);
    }

    [Theory]
    [InlineData("--apiserver-advertise-address", "not-an-ip")]
    [InlineData("--service-cidr", "10.0.0.0")]
    [InlineData("--control-plane-endpoint", "a b")]
    public void Bad_flags_are_rejected(string flag, string value)
    {
        var overrides = flag switch
        {
            "--apiserver-advertise-address" => new ConfigOverrides { AdvertiseAddress = value },
            "--service-cidr" => new ConfigOverrides { ServiceSubnet = value },
            _ => new ConfigOverrides { ControlPlaneEndpoint = value },
        };
        var e = Assert.Throws<KubePkiException>(() => ClusterConfigResolver.Resolve(overrides, TextWriter.Null));
        Assert.Contains(flag, e.Message);
    }

    [Theory]
    [InlineData("8760h", 8760 * 3600.0)]
    [InlineData("8760h0m0s", 8760 * 3600.0)]
    [InlineData("1h30m", 5400.0)]
    [InlineData("90s", 90.0)]
    [InlineData("1.5h", 5400.0)]
    [InlineData("500ms", 0.5)]
    public void Go_durations_parse(string text, double seconds)
    {
        Assert.True(GoDuration.TryParse(text, out var value));
        Assert.Equal(seconds, value.TotalSeconds, 3);
    }

    [Theory]
    [InlineData("")]
    [InlineData("10")]
    [InlineData("1d")]
    [InlineData("h")]
    public void Bad_go_durations_do_not_parse(string text) => Assert.False(GoDuration.TryParse(text, out _));

    [Fact]
    public void Go_duration_format_matches_go() =>
        Assert.Equal("8760h0m0s", GoDuration.Format(TimeSpan.FromHours(8760)));

    [Theory]
    [InlineData("10.96.0.0/12", "10.96.0.1")]
    [InlineData("10.100.0.0/16,fd00::/108", "10.100.0.1")]
    [InlineData("fd00:1::/112", "fd00:1::1")]
    public void Api_server_virtual_ip_is_the_first_address_of_the_service_subnet(string subnet, string ip) =>
        Assert.Equal(ip, NetworkText.ApiServerVirtualIp(subnet).ToString());
}
