using KubePki.Interop.Tests.Support;

namespace KubePki.Interop.Tests;

/// <summary>Control for the log assertions of <see cref="EtcdClusterTests"/>: a peer cert issued for the wrong
/// advertise address does not break <c>endpoint health</c>, so only the members' logs can show it. This proves the
/// harness sees such x509 errors.</summary>
[Collection(EtcdCollection.Name)]
public sealed class EtcdLogCheckTests
{
    [Fact]
    public async Task A_peer_cert_missing_the_members_ip_shows_up_as_x509_errors_in_the_other_members_logs()
    {
        var clock = Kubepki.NowClock();
        await using var cluster = EtcdCluster.Create(clock);
        var wrong = cluster.Members[2];
        var etcdDir = Path.Combine(wrong.CertDir, "etcd");
        File.Delete(Path.Combine(etcdDir, "peer.crt"));
        File.Delete(Path.Combine(etcdDir, "peer.key"));
        File.WriteAllText(wrong.ConfigPath, cluster.ConfigYaml(wrong.Name, "127.0.0.1"));
        cluster.IssueMemberCerts(clock, wrong, "etcd-peer");

        await cluster.StartAsync();

        var deadline = DateTime.UtcNow.AddSeconds(15);
        var expected = $"not {wrong.Ip}";
        while (
            DateTime.UtcNow < deadline
            && !cluster
                .Members.Take(2)
                .Any(m =>
                    m.TlsErrorLines.Any(l => l.Contains("x509: certificate is valid for") && l.Contains(expected))
                )
        )
        {
            await Task.Delay(100);
        }
        Assert.True(
            cluster
                .Members.Take(2)
                .Any(m =>
                    m.TlsErrorLines.Any(l => l.Contains("x509: certificate is valid for") && l.Contains(expected))
                ),
            "no member logged the x509 error:\n"
                + string.Join("\n", cluster.Members.Select(m => $"== {m.Name}\n{m.Log}"))
        );
    }
}
