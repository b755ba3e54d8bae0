using k8s.Models;

namespace KubePki.Controller.Tests.Api;

/// <summary>The test API server's "etcd": it outlives server restarts. Also records every certificate ever sent to a
/// CSR's /status, accepted or not, so tests can prove nothing was signed twice.</summary>
public sealed class ApiStore
{
    public ApiStore()
    {
        Csrs = new ResourceTable<V1CertificateSigningRequest>(this, "certificatesigningrequests.certificates.k8s.io");
        Nodes = new ResourceTable<V1Node>(this, "nodes");
        Leases = new ResourceTable<V1Lease>(this, "leases.coordination.k8s.io");
        ConfigMaps = new ResourceTable<V1ConfigMap>(this, "configmaps");
        Secrets = new ResourceTable<V1Secret>(this, "secrets");
        Events = new ResourceTable<Corev1Event>(this, "events");
        Namespaces = new ResourceTable<V1Namespace>(this, "namespaces");
    }

    public object Gate { get; } = new();

    public long ResourceVersion { get; set; }

    public ResourceTable<V1CertificateSigningRequest> Csrs { get; }

    public ResourceTable<V1Node> Nodes { get; }

    public ResourceTable<V1Lease> Leases { get; }

    public ResourceTable<V1ConfigMap> ConfigMaps { get; }

    public ResourceTable<V1Secret> Secrets { get; }

    public ResourceTable<Corev1Event> Events { get; }

    /// <summary>Every Event (any namespace) whose involvedObject is the object of that kind and name, oldest first
    /// (by creation, then name).</summary>
    public IReadOnlyList<Corev1Event> EventsAbout(string kind, string name) =>
        Events
            .List(null)
            .Items.Where(e => e.InvolvedObject?.Kind == kind && e.InvolvedObject.Name == name)
            .OrderBy(e => e.Metadata.CreationTimestamp)
            .ThenBy(e => e.Metadata.Name, StringComparer.Ordinal)
            .ToList();

    public ResourceTable<V1Namespace> Namespaces { get; }

    private readonly Dictionary<string, HashSet<string>> _certificatesSent = new(StringComparer.Ordinal);

    public void RecordCertificateSent(string csr, byte[] certificate)
    {
        lock (Gate)
        {
            if (!_certificatesSent.TryGetValue(csr, out var set))
            {
                _certificatesSent[csr] = set = [];
            }
            set.Add(Convert.ToBase64String(certificate));
        }
    }

    /// <summary>How many different certificates were ever sent for each CSR.</summary>
    public IReadOnlyDictionary<string, int> DistinctCertificatesSent()
    {
        lock (Gate)
        {
            return _certificatesSent.ToDictionary(p => p.Key, p => p.Value.Count);
        }
    }

    public void DropWatches()
    {
        Csrs.DropWatches();
        Nodes.DropWatches();
        Leases.DropWatches();
        ConfigMaps.DropWatches();
        Secrets.DropWatches();
        Events.DropWatches();
        Namespaces.DropWatches();
    }

    public V1ConfigMap AddConfigMap(string ns, string name, IDictionary<string, string> data) =>
        ConfigMaps.Create(
            new V1ConfigMap
            {
                ApiVersion = "v1",
                Kind = "ConfigMap",
                Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
                Data = new Dictionary<string, string>(data),
            },
            TimeProvider.System
        );

    public V1Secret AddSecret(
        string ns,
        string name,
        string type,
        IDictionary<string, byte[]> data,
        IDictionary<string, string>? labels = null
    ) =>
        Secrets.Create(
            new V1Secret
            {
                ApiVersion = "v1",
                Kind = "Secret",
                Type = type,
                Metadata = new V1ObjectMeta
                {
                    Name = name,
                    NamespaceProperty = ns,
                    Labels = labels is null ? null : new Dictionary<string, string>(labels),
                },
                Data = new Dictionary<string, byte[]>(data),
            },
            TimeProvider.System
        );

    public V1Namespace AddNamespace(string name, IDictionary<string, string>? labels = null) =>
        Namespaces.Create(
            new V1Namespace
            {
                ApiVersion = "v1",
                Kind = "Namespace",
                Metadata = new V1ObjectMeta
                {
                    Name = name,
                    Labels = labels is null ? null : new Dictionary<string, string>(labels),
                },
            },
            TimeProvider.System
        );

    public V1Node AddNode(string name, params (string Type, string Address)[] addresses) =>
        Nodes.Create(
            new V1Node
            {
                ApiVersion = "v1",
                Kind = "Node",
                Metadata = new V1ObjectMeta { Name = name },
                Status = new V1NodeStatus
                {
                    Addresses = addresses
                        .Select(a => new V1NodeAddress { Address = a.Address, Type = a.Type })
                        .ToList(),
                },
            },
            TimeProvider.System
        );
}
