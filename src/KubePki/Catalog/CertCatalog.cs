using KubePki.Model;

namespace KubePki.Catalog;

/// <summary>kubeadm's certificate list (certlist.go), in init-phase order: each CA before the leaves it
/// signs.</summary>
internal static class CertCatalog
{
    public const string ClusterAdminsGroup = "kubeadm:cluster-admins";
    public const string SystemPrivilegedGroup = "system:masters";
    public const string NodesGroup = "system:nodes";

    private static readonly string[] Server = [ExtendedKeyUsageOids.ServerAuth];
    private static readonly string[] Client = [ExtendedKeyUsageOids.ClientAuth];
    private static readonly string[] ServerAndClient =
    [
        ExtendedKeyUsageOids.ServerAuth,
        ExtendedKeyUsageOids.ClientAuth,
    ];

    public static CertDefinition Ca { get; } =
        new()
        {
            Name = "ca",
            BaseName = "ca",
            LongName = "self-signed Kubernetes CA to provision identities for other Kubernetes components",
            CommonNameOf = _ => "kubernetes",
        };

    public static CertDefinition ApiServer { get; } =
        new()
        {
            Name = "apiserver",
            BaseName = "apiserver",
            CaName = "ca",
            LongName = "certificate for serving the Kubernetes API",
            CommonNameOf = _ => "kube-apiserver",
            ExtendedKeyUsages = Server,
            AltNamesOf = SanRules.ApiServer,
            RestartAfterRenewal = [ControlPlaneComponents.KubeApiServer],
        };

    public static CertDefinition ApiServerKubeletClient { get; } =
        new()
        {
            Name = "apiserver-kubelet-client",
            BaseName = "apiserver-kubelet-client",
            CaName = "ca",
            LongName = "certificate for the API server to connect to kubelet",
            CommonNameOf = _ => "kube-apiserver-kubelet-client",
            Organizations = [ClusterAdminsGroup],
            ExtendedKeyUsages = Client,
            RestartAfterRenewal = [ControlPlaneComponents.KubeApiServer],
        };

    public static CertDefinition FrontProxyCa { get; } =
        new()
        {
            Name = "front-proxy-ca",
            BaseName = "front-proxy-ca",
            LongName = "self-signed CA to provision identities for front proxy",
            CommonNameOf = _ => "front-proxy-ca",
        };

    public static CertDefinition FrontProxyClient { get; } =
        new()
        {
            Name = "front-proxy-client",
            BaseName = "front-proxy-client",
            CaName = "front-proxy-ca",
            LongName = "certificate for the front proxy client",
            CommonNameOf = _ => "front-proxy-client",
            ExtendedKeyUsages = Client,
            RestartAfterRenewal = [ControlPlaneComponents.KubeApiServer],
        };

    public static CertDefinition EtcdCa { get; } =
        new()
        {
            Name = "etcd-ca",
            BaseName = "etcd/ca",
            IsEtcd = true,
            LongName = "self-signed CA to provision identities for etcd",
            CommonNameOf = _ => "etcd-ca",
        };

    public static CertDefinition EtcdServer { get; } =
        new()
        {
            Name = "etcd-server",
            BaseName = "etcd/server",
            CaName = "etcd-ca",
            IsEtcd = true,
            LongName = "certificate for serving etcd",
            CommonNameOf = c => c.NodeName,
            ExtendedKeyUsages = ServerAndClient,
            AltNamesOf = SanRules.EtcdServer,
            RestartAfterRenewal = [ControlPlaneComponents.Etcd],
        };

    public static CertDefinition EtcdPeer { get; } =
        new()
        {
            Name = "etcd-peer",
            BaseName = "etcd/peer",
            CaName = "etcd-ca",
            IsEtcd = true,
            LongName = "certificate for etcd nodes to communicate with each other",
            CommonNameOf = c => c.NodeName,
            ExtendedKeyUsages = ServerAndClient,
            AltNamesOf = SanRules.EtcdPeer,
            RestartAfterRenewal = [ControlPlaneComponents.Etcd],
        };

    public static CertDefinition EtcdHealthcheckClient { get; } =
        new()
        {
            Name = "etcd-healthcheck-client",
            BaseName = "etcd/healthcheck-client",
            CaName = "etcd-ca",
            IsEtcd = true,
            LongName = "certificate for liveness probes to healthcheck etcd",
            CommonNameOf = _ => "kube-etcd-healthcheck-client",
            ExtendedKeyUsages = Client,
        };

    public static CertDefinition ApiServerEtcdClient { get; } =
        new()
        {
            Name = "apiserver-etcd-client",
            BaseName = "apiserver-etcd-client",
            CaName = "etcd-ca",
            IsEtcd = true,
            LongName = "certificate the apiserver uses to access etcd",
            CommonNameOf = _ => "kube-apiserver-etcd-client",
            ExtendedKeyUsages = Client,
            RestartAfterRenewal = [ControlPlaneComponents.KubeApiServer],
        };

    /// <summary>Every row, CAs before their leaves (GetDefaultCertList).</summary>
    public static IReadOnlyList<CertDefinition> All { get; } =
    [
        Ca,
        ApiServer,
        ApiServerKubeletClient,
        FrontProxyCa,
        FrontProxyClient,
        EtcdCa,
        EtcdServer,
        EtcdPeer,
        EtcdHealthcheckClient,
        ApiServerEtcdClient,
    ];

    /// <summary>The rows for a cluster: external etcd drops etcd-ca and its leaves (GetCertsWithoutEtcd).</summary>
    public static IReadOnlyList<CertDefinition> For(bool externalEtcd) =>
        externalEtcd ? All.Where(d => !d.IsEtcd).ToList() : All;

    public static CertDefinition? Find(string name) => All.FirstOrDefault(d => d.Name == name);

    public static CertDefinition Get(string name) =>
        Find(name) ?? throw new KubePkiException($"unknown certificate \"{name}\"", KubePkiErrorKind.InvalidInput);
}
