using KubePki.Interop.Tests.Support;

namespace KubePki.Interop.Tests;

/// <summary>Tests that start real etcd members on fixed loopback IPs: never in parallel with each other.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EtcdCollection
{
    public const string Name = "etcd";
}

/// <summary>A started 3-member cluster, shared by the tests of one class.</summary>
public sealed class EtcdClusterFixture : IAsyncLifetime
{
    public EtcdCluster Cluster { get; private set; } = null!;

    public Microsoft.Extensions.Time.Testing.FakeTimeProvider Clock { get; } = Kubepki.NowClock();

    /// <summary>Log lines a test provoked on purpose (the foreign-CA attempt), by member name.</summary>
    public System.Collections.Concurrent.ConcurrentBag<(string Member, string Line)> ProvokedLogLines { get; } = [];

    public async Task InitializeAsync()
    {
        Cluster = EtcdCluster.Create(Clock);
        await Cluster.StartAsync();
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

/// <summary>etcd 3.4 as the judge of kubepki's etcd certificates: three members on 127.0.0.1/.2/.3 whose server and
/// peer certs kubepki issued for each member (node name, advertise address = the member's IP) from one etcd CA, with
/// mutual TLS on client and peer ports.</summary>
[Collection(EtcdCollection.Name)]
public sealed class EtcdClusterTests(EtcdClusterFixture fixture) : IClassFixture<EtcdClusterFixture>
{
    private const string ForeignReason = "certificate signed by unknown authority";

    private EtcdCluster Cluster => fixture.Cluster;

    [Fact]
    public void Members_form_quorum_over_mutual_tls_and_replicate_writes()
    {
        var client = Cluster.SharedClient("etcd/healthcheck-client");
        var health = Cluster.Etcdctl(client, "endpoint", "health");
        Assert.True(health.ExitCode == 0, health.All);
        foreach (var member in Cluster.Members)
        {
            Assert.Contains($"{member.ClientUrl} is healthy", health.All);
        }

        var list = Cluster.Etcdctl(client, "member", "list");
        Assert.True(list.ExitCode == 0, list.All);
        foreach (var member in Cluster.Members)
        {
            Assert.Contains($"{member.Name}, {member.PeerUrl}, {member.ClientUrl}", list.Out);
        }
        Assert.Equal(
            Cluster.Members.Count,
            list.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => l.Contains(", started, "))
        );

        var value = Guid.NewGuid().ToString("N");
        var put = Cluster.Etcdctl(client, [Cluster.Members[0]], "put", "/kubepki/interop/quorum", value);
        Assert.True(put.ExitCode == 0 && put.Out.Trim() == "OK", put.All);
        foreach (var member in Cluster.Members)
        {
            var get = Cluster.Etcdctl(
                client,
                [member],
                "get",
                "/kubepki/interop/quorum",
                "--print-value-only",
                "--consistency=l"
            );
            Assert.True(get.ExitCode == 0, get.All);
            Assert.Equal(value, get.Out.Trim());
        }
    }

    [Theory]
    [InlineData("etcd/healthcheck-client")]
    [InlineData("apiserver-etcd-client")]
    public void Kubeadms_etcd_client_certs_are_accepted_by_every_member(string baseName)
    {
        var client = Cluster.SharedClient(baseName);
        foreach (var member in Cluster.Members)
        {
            var health = Cluster.Etcdctl(client, [member], "endpoint", "health");
            Assert.True(health.ExitCode == 0, $"{baseName} on {member.Name}: {health.All}");
            var key = $"/kubepki/interop/{baseName}/{member.Name}";
            Assert.True(Cluster.Etcdctl(client, [member], "put", key, member.Ip).ExitCode == 0);
            Assert.Equal(member.Ip, Cluster.Etcdctl(client, [member], "get", key, "--print-value-only").Out.Trim());
        }
    }

    [Fact]
    public void A_client_cert_from_a_foreign_ca_is_refused_with_unknown_authority_in_the_log()
    {
        using var foreign = new KubePki.TestKit.TempDir("interop-etcd-foreign");
        var config = Kubepki.WriteConfig(foreign.Path, Cluster.ConfigYaml("foreign-node", "127.0.0.1"));
        var pki = foreign.Combine("pki");
        Kubepki.Run(fixture.Clock, "init", "phase", "certs", "etcd-ca", "--cert-dir", pki, "--config", config);
        Kubepki.Run(
            fixture.Clock,
            "init",
            "phase",
            "certs",
            "etcd-healthcheck-client",
            "--cert-dir",
            pki,
            "--config",
            config
        );
        // Trusts the cluster's CA (so the server cert is fine) but presents a client cert of another etcd CA.
        var intruder = new EtcdClientCert(
            Cluster.EtcdCaCert,
            Path.Combine(pki, "etcd", "healthcheck-client.crt"),
            Path.Combine(pki, "etcd", "healthcheck-client.key")
        );
        var target = Cluster.Members[0];
        var before = target.LogLines.Count;

        var refused = Cluster.Etcdctl(intruder, [target], "get", "/kubepki/interop/quorum");

        Assert.NotEqual(0, refused.ExitCode);
        // Wait (bounded) until the member has logged the refusal and then stayed quiet for half a second.
        var deadline = DateTime.UtcNow.AddSeconds(8);
        var seen = 0;
        var quietSince = DateTime.UtcNow;
        while (DateTime.UtcNow < deadline)
        {
            var count = target.LogLines.Count;
            if (count != seen)
            {
                (seen, quietSince) = (count, DateTime.UtcNow);
            }
            else if (
                DateTime.UtcNow - quietSince > TimeSpan.FromMilliseconds(500)
                && target.LogLines.Skip(before).Any(l => l.Contains("rejected connection"))
            )
            {
                break;
            }
            Thread.Sleep(50);
        }
        var window = target.LogLines.Skip(before).ToList();
        var tlsErrors = window
            .Where(l => l.Contains("x509", StringComparison.OrdinalIgnoreCase) || l.Contains("rejected connection"))
            .ToList();
        foreach (var line in tlsErrors)
        {
            fixture.ProvokedLogLines.Add((target.Name, line));
        }
        // The refusal names the reason; anything else logged meanwhile is etcdctl hanging up mid-handshake after it.
        Assert.True(
            tlsErrors.Any(l => l.Contains("rejected connection") && l.Contains(ForeignReason)),
            $"{target.Name} did not log a refusal for '{ForeignReason}':\n{string.Join("\n", window)}"
        );
        Assert.All(
            tlsErrors,
            l =>
                Assert.True(
                    l.Contains(ForeignReason) || l.Contains("connection reset by peer") || l.Contains("EOF"),
                    $"unexpected TLS error during the foreign-CA attempt: {l}"
                )
        );

        // The cluster's own client cert still works on the same member.
        Assert.Equal(
            0,
            Cluster.Etcdctl(Cluster.SharedClient("etcd/healthcheck-client"), [target], "endpoint", "health").ExitCode
        );
    }

    [Fact]
    public void No_member_log_shows_a_tls_error_other_than_the_foreign_ca_refusal()
    {
        // Exercise every member's client port once more, then read all logs (peer traffic has been flowing since
        // start).
        Assert.Equal(0, Cluster.Etcdctl(Cluster.SharedClient("apiserver-etcd-client"), "endpoint", "health").ExitCode);
        foreach (var member in Cluster.Members)
        {
            Assert.True(member.Running, $"{member.Name} stopped:\n{member.Log}");
            Assert.Contains(member.LogLines, l => l.Contains("ready to serve client requests"));
            var provoked = fixture.ProvokedLogLines.Where(p => p.Member == member.Name).Select(p => p.Line).ToHashSet();
            // etcdctl may retry the foreign-CA handshake after that test stopped watching the log, so its lines can
            // arrive
            // late: they are recognised by their reason. A real certificate problem (wrong SAN, usage, CA) still fails
            // here.
            var unexpected = member
                .TlsErrorLines.Where(l => !provoked.Contains(l))
                .Where(l =>
                    !(
                        l.Contains(ForeignReason)
                        || (
                            l.Contains("rejected connection")
                            && (l.Contains("connection reset by peer") || l.Contains("EOF"))
                        )
                    )
                )
                .ToList();
            Assert.True(unexpected.Count == 0, $"{member.Name} logged TLS errors:\n{string.Join("\n", unexpected)}");
        }
    }
}
