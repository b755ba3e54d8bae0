using KubePki.Interop.Tests.Support;
using KubePki.TestKit;

namespace KubePki.Interop.Tests;

/// <summary><c>kubepki certs renew all</c> on a RUNNING 3-member etcd cluster, judged by etcd 3.4 itself: the client
/// port serves the renewed server cert at once (etcd re-reads it per handshake), etcdctl works with the renewed client
/// certs, and a rolling restart (peer certs are re-read only then) keeps quorum at every step, without one x509 error
/// in any member's log.</summary>
[Collection(EtcdCollection.Name)]
public sealed class EtcdRenewalTests : IDisposable
{
    private readonly TempDir _scratch = new("interop-etcd-renewal");

    [Fact]
    public async Task Renew_all_on_a_running_cluster_is_served_at_once_and_survives_a_rolling_restart_with_quorum()
    {
        var clock = Kubepki.NowClock();
        await using var cluster = EtcdCluster.Create(clock);
        await cluster.StartAsync();
        var healthcheck = cluster.SharedClient("etcd/healthcheck-client");
        var apiserverClient = cluster.SharedClient("apiserver-etcd-client");

        // Control: before the renewal every member serves exactly its server.crt on disk.
        var oldServer = cluster.Members.ToDictionary(m => m.Name, m => TlsProbe.Identity(ServerCert(m)));
        var oldPeer = cluster.Members.ToDictionary(m => m.Name, m => TlsProbe.Identity(PeerCert(m)));
        var oldClients = new[] { healthcheck.Cert, apiserverClient.Cert }.ToDictionary(p => p, TlsProbe.Identity);
        foreach (var member in cluster.Members)
        {
            Assert.Equal(oldServer[member.Name], Served(member, member.ClientPort, healthcheck));
        }
        var before = Put(cluster, apiserverClient, cluster.Members, "/kubepki/renewal/before");

        // Renew while the cluster runs: every member's own cert dir, then the shared client certs.
        var renewClock = Kubepki.NowClock();
        foreach (var member in cluster.Members)
        {
            var output = Kubepki.Run(
                renewClock,
                "certs",
                "renew",
                "all",
                "--cert-dir",
                member.CertDir,
                "--config",
                member.ConfigPath,
                "--kubeconfig-dir",
                member.Dir
            );
            Assert.Contains("certificate for serving etcd renewed", output);
            Assert.Contains("certificate for etcd nodes to communicate with each other renewed", output);
            Assert.Contains("Done renewing certificates.", output);
        }
        var shared = Kubepki.Run(
            renewClock,
            "certs",
            "renew",
            "all",
            "--cert-dir",
            cluster.SharedCertDir,
            "--config",
            Path.Combine(cluster.Root, "kubeadm-config.yaml"),
            "--kubeconfig-dir",
            cluster.Root
        );
        Assert.Contains("certificate for liveness probes to healthcheck etcd renewed", shared);
        Assert.Contains("certificate the apiserver uses to access etcd renewed", shared);

        foreach (var member in cluster.Members)
        {
            Assert.NotEqual(oldServer[member.Name], TlsProbe.Identity(ServerCert(member)));
            Assert.NotEqual(oldPeer[member.Name], TlsProbe.Identity(PeerCert(member)));
        }
        foreach (var (cert, identity) in oldClients)
        {
            Assert.NotEqual(identity, TlsProbe.Identity(cert));
        }

        // The renewed healthcheck-client cert works against every member, and each one already serves its renewed
        // server cert.
        foreach (var member in cluster.Members)
        {
            var health = cluster.Etcdctl(healthcheck, [member], "endpoint", "health");
            Assert.True(health.ExitCode == 0, $"renewed healthcheck-client on {member.Name}: {health.All}");
            Assert.Equal(TlsProbe.Identity(ServerCert(member)), Served(member, member.ClientPort, healthcheck));
        }
        Assert.Equal(before.Value, Get(cluster, apiserverClient, cluster.Members[2], before.Key));

        // Rolling restart, one member at a time: the other two keep quorum while it is down, and it rejoins with its
        // renewed peer cert.
        foreach (var member in cluster.Members)
        {
            await cluster.StopMemberAsync(member);
            var remaining = cluster.Members.Where(m => m != member).ToList();
            await cluster.WaitHealthyAsync(remaining, TimeSpan.FromSeconds(20));
            var whileDown = Put(cluster, apiserverClient, remaining, $"/kubepki/renewal/while-{member.Name}-down");
            foreach (var other in remaining)
            {
                Assert.Equal(whileDown.Value, Get(cluster, apiserverClient, other, whileDown.Key));
            }

            cluster.StartMember(member);
            await cluster.WaitHealthyAsync(cluster.Members, TimeSpan.FromSeconds(30));
            Assert.Equal(whileDown.Value, Get(cluster, apiserverClient, member, whileDown.Key));
            var afterRestart = Put(cluster, apiserverClient, [member], $"/kubepki/renewal/after-{member.Name}-restart");
            foreach (var other in cluster.Members)
            {
                Assert.Equal(afterRestart.Value, Get(cluster, apiserverClient, other, afterRestart.Key));
            }
            Assert.Equal(TlsProbe.Identity(PeerCert(member)), Served(member, member.PeerPort, healthcheck));
            Assert.Equal(TlsProbe.Identity(ServerCert(member)), Served(member, member.ClientPort, healthcheck));
        }

        var list = cluster.Etcdctl(healthcheck, "member", "list");
        Assert.True(list.ExitCode == 0, list.All);
        Assert.Equal(3, list.Out.Split('\n').Count(l => l.Contains(", started, ")));
        cluster.AssertNoCertificateErrors();
    }

    private static string ServerCert(EtcdMember member) => Path.Combine(member.CertDir, "etcd", "server.crt");

    private static string PeerCert(EtcdMember member) => Path.Combine(member.CertDir, "etcd", "peer.crt");

    private string Served(EtcdMember member, int port, EtcdClientCert client) =>
        TlsProbe.ServedIdentity(_scratch.Path, member.Ip, port, client.CaCert, client.Cert, client.Key);

    private static (string Key, string Value) Put(
        EtcdCluster cluster,
        EtcdClientCert client,
        IReadOnlyList<EtcdMember> via,
        string key
    )
    {
        var value = Guid.NewGuid().ToString("N");
        var put = cluster.Etcdctl(client, via, "put", key, value);
        Assert.True(
            put.ExitCode == 0 && put.Out.Trim() == "OK",
            $"put {key} via {string.Join(",", via.Select(m => m.Name))}: {put.All}"
        );
        return (key, value);
    }

    private static string Get(EtcdCluster cluster, EtcdClientCert client, EtcdMember via, string key)
    {
        var get = cluster.Etcdctl(client, [via], "get", key, "--print-value-only", "--consistency=l");
        Assert.True(get.ExitCode == 0, $"get {key} via {via.Name}: {get.All}");
        return get.Out.Trim();
    }

    public void Dispose() => _scratch.Dispose();
}
