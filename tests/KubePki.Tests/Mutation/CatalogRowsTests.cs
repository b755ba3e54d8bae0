using System.Net;
using KubePki.Catalog;
using KubePki.Configuration;
using KubePki.Model;

namespace KubePki.Tests.Mutation;

/// <summary>The rows of kubeadm's certificate and kubeconfig lists as kubepki uses them: file names, signing CA, etcd
/// membership (dropped with external etcd), the usages each certificate must carry, the words kubeadm prints for it
/// and which static pods must restart after its renewal; and kubeadm's RemoveDuplicateAltNames.</summary>
public class CatalogRowsTests
{
    private const string Server = ExtendedKeyUsageOids.ServerAuth;
    private const string Client = ExtendedKeyUsageOids.ClientAuth;

    public static TheoryData<string, string, string?, bool, string, string, string> Rows =>
        new()
        {
            {
                "ca",
                "ca",
                null,
                false,
                "",
                "",
                "self-signed Kubernetes CA to provision identities for other Kubernetes components"
            },
            {
                "apiserver",
                "apiserver",
                "ca",
                false,
                Server,
                "kube-apiserver",
                "certificate for serving the Kubernetes API"
            },
            {
                "apiserver-kubelet-client",
                "apiserver-kubelet-client",
                "ca",
                false,
                Client,
                "kube-apiserver",
                "certificate for the API server to connect to kubelet"
            },
            {
                "front-proxy-ca",
                "front-proxy-ca",
                null,
                false,
                "",
                "",
                "self-signed CA to provision identities for front proxy"
            },
            {
                "front-proxy-client",
                "front-proxy-client",
                "front-proxy-ca",
                false,
                Client,
                "kube-apiserver",
                "certificate for the front proxy client"
            },
            { "etcd-ca", "etcd/ca", null, true, "", "", "self-signed CA to provision identities for etcd" },
            {
                "etcd-server",
                "etcd/server",
                "etcd-ca",
                true,
                Server + " " + Client,
                "etcd",
                "certificate for serving etcd"
            },
            {
                "etcd-peer",
                "etcd/peer",
                "etcd-ca",
                true,
                Server + " " + Client,
                "etcd",
                "certificate for etcd nodes to communicate with each other"
            },
            {
                "etcd-healthcheck-client",
                "etcd/healthcheck-client",
                "etcd-ca",
                true,
                Client,
                "",
                "certificate for liveness probes to healthcheck etcd"
            },
            {
                "apiserver-etcd-client",
                "apiserver-etcd-client",
                "etcd-ca",
                true,
                Client,
                "kube-apiserver",
                "certificate the apiserver uses to access etcd"
            },
        };

    [Theory]
    [MemberData(nameof(Rows))]
    public void Each_certificate_row_matches_kubeadm(
        string name,
        string baseName,
        string? caName,
        bool isEtcd,
        string usages,
        string restart,
        string longName
    )
    {
        var row = CertCatalog.Get(name);

        Assert.Equal(name, row.Name);
        Assert.Equal(baseName, row.BaseName);
        Assert.Equal(caName, row.CaName);
        Assert.Equal(caName is null, row.IsCa);
        Assert.Equal(isEtcd, row.IsEtcd);
        Assert.Equal(usages, string.Join(" ", row.ExtendedKeyUsages));
        Assert.Equal(restart, string.Join(" ", row.RestartAfterRenewal));
        Assert.Equal(longName, row.LongName);
        Assert.Same(row, CertCatalog.Find(name));
    }

    [Fact]
    public void An_unknown_certificate_name_is_not_found_and_named_in_the_error()
    {
        Assert.Null(CertCatalog.Find("kubelet"));
        Assert.Equal(
            "unknown certificate \"kubelet\"",
            Assert.Throws<KubePkiException>(() => CertCatalog.Get("kubelet")).Message
        );
    }

    [Fact]
    public void Without_external_etcd_every_row_is_used_in_order()
    {
        Assert.Same(CertCatalog.All, CertCatalog.For(externalEtcd: false));
    }

    [Fact]
    public void Group_names_and_component_order_are_kubeadms()
    {
        Assert.Equal("kubeadm:cluster-admins", CertCatalog.ClusterAdminsGroup);
        Assert.Equal("system:masters", CertCatalog.SystemPrivilegedGroup);
        Assert.Equal("system:nodes", CertCatalog.NodesGroup);
        Assert.Equal(
            ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd"],
            ControlPlaneComponents.Order
        );
    }

    [Fact]
    public void Kubeconfig_rows_match_kubeadm()
    {
        var config = new ClusterConfig { NodeName = "cp-7" };
        var rows = KubeconfigCatalog
            .All.Select(r =>
                string.Join(
                    "|",
                    r.Name,
                    r.FileName,
                    r.ClientNameOf(config),
                    string.Join(",", r.Organizations),
                    r.UsesLocalEndpoint,
                    r.Renewable,
                    string.Join(",", r.RestartAfterRenewal),
                    r.LongName
                )
            )
            .ToList();

        Assert.Equal(
            [
                "admin|admin.conf|kubernetes-admin|kubeadm:cluster-admins|False|True||"
                    + "certificate embedded in the kubeconfig file for the admin to use and for kubeadm itself",
                "super-admin|super-admin.conf|kubernetes-super-admin|system:masters|False|True||"
                    + "certificate embedded in the kubeconfig file for the super-admin",
                "kubelet|kubelet.conf|system:node:cp-7|system:nodes|False|False||"
                    + "certificate embedded in the kubeconfig file for the kubelet to use",
                "controller-manager|controller-manager.conf|system:kube-controller-manager||True|True|"
                    + "kube-controller-manager|"
                    + "certificate embedded in the kubeconfig file for the controller manager to use",
                "scheduler|scheduler.conf|system:kube-scheduler||True|True|kube-scheduler|"
                    + "certificate embedded in the kubeconfig file for the scheduler manager to use",
            ],
            rows
        );
    }

    [Fact]
    public void Dns_names_are_deduplicated_and_sorted_ordinally_and_ips_deduplicated_in_order()
    {
        var names = AltNames.Create(
            ["b.example", "B.example", "a.example", "b.example"],
            [IPAddress.Parse("10.0.0.2"), IPAddress.Parse("10.0.0.1"), IPAddress.Parse("10.0.0.2")]
        );

        Assert.Equal(["B.example", "a.example", "b.example"], names.DnsNames);
        Assert.Equal([IPAddress.Parse("10.0.0.2"), IPAddress.Parse("10.0.0.1")], names.IpAddresses);
        Assert.Empty(names.Warnings);
        Assert.False(names.IsEmpty);
    }

    [Fact]
    public void Alt_names_are_empty_only_without_dns_names_and_ips()
    {
        Assert.True(AltNames.None.IsEmpty);
        Assert.Empty(AltNames.None.Warnings);
        Assert.True(AltNames.Create([], []).IsEmpty);
        Assert.False(AltNames.Create(["a"], []).IsEmpty);
        Assert.False(AltNames.Create([], [IPAddress.Loopback]).IsEmpty);
        Assert.Equal(["w"], AltNames.Create([], [], ["w"]).Warnings);
    }

    [Fact]
    public void A_leaf_without_sans_resolves_to_none()
    {
        var spec = CertCatalog.FrontProxyClient.Resolve(new ClusterConfig());

        Assert.True(spec.AltNames.IsEmpty);
        Assert.Equal("front-proxy-client", spec.Name);
        Assert.Same(CertCatalog.FrontProxyClient, spec.Definition);
        Assert.Equal([Client], spec.ExtendedKeyUsages);
    }
}
