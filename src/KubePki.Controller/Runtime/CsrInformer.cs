using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using KubePki.Controller.Model;
using KubePki.InCluster;
using Microsoft.Extensions.Logging;

namespace KubePki.Controller.Runtime;

/// <summary>The CSRs, kept by the shared list + watch loop (<see cref="ListWatch{TList, T}"/>). Keeps the latest object
/// per name and queues every change, plus every known CSR once per resync period, so a missed event is repaired by the
/// next resync.</summary>
/// <remarks>Memory stays proportional to the CSRs still to act on: a settled CSR (issued, denied or failed: neither the
/// approver nor a signer ever acts on it again, and the API keeps those states final) is kept as its name, version and
/// signer only; a pending one as a <see cref="CachedCsr"/> (the fields approval, signing and a write need, repeated
/// strings shared).</remarks>
public sealed class CsrInformer : IListWatchTarget<V1CertificateSigningRequest>
{
    private readonly ConcurrentDictionary<string, Entry> _cache = new(StringComparer.Ordinal);
    private readonly ListedNames<Entry> _listed;
    private readonly ListWatch<V1CertificateSigningRequestList, V1CertificateSigningRequest> _loop;
    private readonly WorkQueue _queue;
    private readonly TimeSpan _resyncPeriod;
    private readonly TimeProvider _time;

    public CsrInformer(KubeCsrApi api, WorkQueue queue, TimeSpan resyncPeriod, ILogger logger, TimeProvider time)
    {
        _listed = new(_cache);
        _queue = queue;
        _resyncPeriod = resyncPeriod;
        _time = time;
        _loop = new(
            api.Client,
            "CSRs",
            "apis/certificates.k8s.io/v1/certificatesigningrequests",
            (token, limit, ct) =>
                api.Client.CertificatesV1.ListCertificateSigningRequestAsync(
                    continueParameter: token,
                    limit: limit,
                    cancellationToken: ct
                ),
            KubeJson.ReadCsr,
            this,
            logger,
            time
        )
        {
            Held = Held,
        };
    }

    public bool HasSynced { get; private set; }

    /// <summary>Called once the first list is in the cache, before its items are queued, so readiness never lags
    /// behind the work it gates.</summary>
    public Action? OnSynced { get; set; }

    public int WatchRestarts => _loop.WatchRestarts;

    /// <summary>The cached CSR: its signer and, while it is not settled, the object itself (null once it is issued,
    /// denied or failed). Null when the CSR is unknown.</summary>
    public (string SignerName, CachedCsr? Pending)? Lookup(string name) =>
        _cache.TryGetValue(name, out var entry) ? (entry.SignerName, entry.Pending) : null;

    /// <summary>The cached CSR while it is still to act on; null when it is settled or unknown.</summary>
    public CachedCsr? Get(string name) => Lookup(name)?.Pending;

    public IReadOnlyCollection<string> Keys => _cache.Keys.ToList();

    /// <summary>Replaces the cached copy with a newer one the controller itself read or wrote; returns the compact
    /// copy of <paramref name="csr"/> while it is still to act on (null once settled).</summary>
    public CachedCsr? Remember(V1CertificateSigningRequest csr)
    {
        if (
            _cache.TryGetValue(csr.Metadata.Name, out var known)
            && known.Version is { } version
            && long.TryParse(csr.Metadata.ResourceVersion, out var v)
            && v == version
        )
        {
            // The same version is the same object (the watch echoing the controller's own write): keep the copy held.
            return known.Pending;
        }
        var entry = Entry.Of(csr);
        _cache.AddOrUpdate(csr.Metadata.Name, entry, (_, old) => Newer(entry, old) ? entry : old);
        return entry.Pending;
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var resync = new PeriodicTimer(_resyncPeriod, _time);
        var resyncLoop = ResyncAsync(resync, cancellationToken);
        await _loop.RunAsync(cancellationToken);
        await resyncLoop;
    }

    void IListWatchTarget<V1CertificateSigningRequest>.ListStarted() => _listed.Clear();

    void IListWatchTarget<V1CertificateSigningRequest>.Listed(V1CertificateSigningRequest csr) =>
        _listed.Put(csr.Metadata.Name, Entry.Of(csr));

    void IListWatchTarget<V1CertificateSigningRequest>.ListDone()
    {
        _listed.DropUnlisted();
        if (!HasSynced)
        {
            HasSynced = true;
            OnSynced?.Invoke();
        }
        foreach (var name in _listed.Names)
        {
            _queue.Add(name);
        }
        _listed.Clear();
    }

    void IListWatchTarget<V1CertificateSigningRequest>.Changed(string type, V1CertificateSigningRequest csr)
    {
        if (type == "DELETED")
        {
            _cache.TryRemove(csr.Metadata.Name, out _);
        }
        else if (type is "ADDED" or "MODIFIED")
        {
            if (csr is not HeldVersion)
            {
                Remember(csr);
            }
            _queue.Add(csr.Metadata.Name);
        }
    }

    // An event for the version already cached (mostly the controller's own approval and status writes coming back):
    // the same resourceVersion is the same object, so the watch hands out this stand-in instead of reading the object.
    private HeldVersion? Held(string name, string resourceVersion) =>
        _cache.TryGetValue(name, out var entry)
        && entry.Version is { } held
        && long.TryParse(resourceVersion, out var version)
        && version == held
            ? new HeldVersion(name, resourceVersion)
            : null;

    /// <summary>Name and version only: stands for the cached copy, never cached itself.</summary>
    private sealed record HeldVersion : V1CertificateSigningRequest
    {
        public HeldVersion(string name, string resourceVersion) =>
            Metadata = new V1ObjectMeta { Name = name, ResourceVersion = resourceVersion };
    }

    private async Task ResyncAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                foreach (var key in _cache.Keys)
                {
                    _queue.Add(key);
                }
            }
        }
        catch (OperationCanceledException) { }
    }

    // As before: an unparsable version on either side lets the candidate win.
    private static bool Newer(Entry candidate, Entry current) =>
        candidate.Version is not { } a || current.Version is not { } b || a >= b;

    // A struct: the dictionary holds it inline, one object less per CSR.
    private readonly record struct Entry(long? Version, string SignerName, CachedCsr? Pending)
    {
        public static Entry Of(V1CertificateSigningRequest csr)
        {
            long? version = long.TryParse(csr.Metadata.ResourceVersion, out var v) ? v : null;
            var status = csr.Status;
            var settled =
                status?.Certificate is { Length: > 0 }
                || status?.Conditions?.Any(c =>
                    c.Type == CsrCondition.Denied || (c.Type == CsrCondition.Failed && c.Status is "True" or "" or null)
                ) == true;
            if (settled)
            {
                return new Entry(version, CachedCsr.Shared(csr.Spec?.SignerName ?? ""), null);
            }
            var pending = CachedCsr.Of(csr);
            return new Entry(version, pending.SignerName, pending);
        }
    }
}
