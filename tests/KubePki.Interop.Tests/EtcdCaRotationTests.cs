using KubePki.Interop.Tests.Support;
using KubePki.TestKit;

namespace KubePki.Interop.Tests;

/// <summary><c>kubepki ca rotate</c> for etcd-ca on a real 3-member etcd cluster, one cert dir per member as on three
/// control-plane nodes (plus the dir holding the apiserver's and the health check's client certs): start on every
/// member with one imported new CA → rolling restart → issue everywhere → rolling restart → finish everywhere → rolling
/// restart. Quorum and data survive every step and peers keep talking; etcdctl with the old client cert works through
/// phase 2 and is refused after finish; etcdctl with a client cert of the new CA works from phase 1 on.</summary>
[Collection(EtcdCollection.Name)]
public sealed class EtcdCaRotationTests : IDisposable
{
    private readonly TempDir _scratch = new("interop-etcd-ca-rotation");

    [Fact]
    public async Task Start_issue_finish_with_rolling_restarts_keep_quorum_data_and_peers()
    {
        var clock = Kubepki.NowClock();
        await using var cluster = EtcdCluster.Create(clock);
        await cluster.StartAsync();
        var sharedConfig = Path.Combine(cluster.Root, "kubeadm-config.yaml");
        var writer = cluster.SharedClient("apiserver-etcd-client");

        // The new CA, made once and imported on every node; a client cert it signed; the old client cert kept aside;
        // a CA file trusting both, so that etcdctl can verify whichever CA signs the servers.
        var newCaDir = _scratch.Combine("new-ca");
        Kubepki.Run(clock, "init", "phase", "certs", "etcd-ca", "--cert-dir", newCaDir, "--config", sharedConfig);
        Kubepki.Run(
            clock,
            "init",
            "phase",
            "certs",
            "etcd-healthcheck-client",
            "--cert-dir",
            newCaDir,
            "--config",
            sharedConfig
        );
        var newCa = Path.Combine(newCaDir, "etcd", "ca.crt");
        var bothCas = _scratch.Combine("both-cas.crt");
        File.WriteAllText(bothCas, File.ReadAllText(cluster.EtcdCaCert) + File.ReadAllText(newCa));
        var oldClient = new EtcdClientCert(
            bothCas,
            Keep(cluster.SharedClient("etcd/healthcheck-client").Cert),
            Keep(cluster.SharedClient("etcd/healthcheck-client").Key)
        );
        var newClient = new EtcdClientCert(
            bothCas,
            Path.Combine(newCaDir, "etcd", "healthcheck-client.crt"),
            Path.Combine(newCaDir, "etcd", "healthcheck-client.key")
        );
        var data = Put(cluster, writer, cluster.Members, "/kubepki/rotation/before");
        AssertWorks(cluster, oldClient, "old client before start");

        void RotateEverywhere(params string[] args)
        {
            foreach (var member in cluster.Members)
            {
                Kubepki.Run(
                    clock,
                    [
                        "ca",
                        "rotate",
                        .. args,
                        "--cert-dir",
                        member.CertDir,
                        "--config",
                        member.ConfigPath,
                        "--kubeconfig-dir",
                        member.Dir,
                    ]
                );
            }
            Kubepki.Run(
                clock,
                [
                    "ca",
                    "rotate",
                    .. args,
                    "--cert-dir",
                    cluster.SharedCertDir,
                    "--config",
                    sharedConfig,
                    "--kubeconfig-dir",
                    cluster.Root,
                ]
            );
        }

        // Phase 1: every member trusts both CAs once restarted; the new CA's client is accepted from then on.
        RotateEverywhere(
            "start",
            "etcd-ca",
            "--new-ca-cert",
            newCa,
            "--new-ca-key",
            Path.Combine(newCaDir, "etcd", "ca.key")
        );
        foreach (var member in cluster.Members)
        {
            Assert.Equal(
                2,
                File.ReadAllText(Path.Combine(member.CertDir, "etcd", "ca.crt")).Split("BEGIN " + "CERTIFICATE").Length
                    - 1
            );
        }
        await RollingRestart(cluster, writer, "phase 1");
        AssertWorks(cluster, oldClient, "old client in phase 1");
        AssertWorks(cluster, newClient, "new-CA client in phase 1");

        // Phase 2: server and peer certs come from the new CA; old clients still work.
        RotateEverywhere("issue", "etcd-ca");
        foreach (var member in cluster.Members)
        {
            foreach (var leaf in new[] { "server", "peer" })
            {
                var path = Path.Combine(member.CertDir, "etcd", leaf + ".crt");
                Assert.True(
                    OpensslVerify.Run(newCa, [path], noCheckTime: true)[path].Ok,
                    $"{member.Name} {leaf}.crt " + $"is not signed by the new CA"
                );
            }
        }
        await RollingRestart(cluster, writer, "phase 2");
        AssertWorks(cluster, oldClient, "old client in phase 2");
        AssertWorks(cluster, newClient, "new-CA client in phase 2");

        // Finish: the new CA alone.
        RotateEverywhere("finish", "etcd-ca");
        await RollingRestart(cluster, writer, "after finish");
        AssertWorks(cluster, newClient, "new-CA client after finish");
        Assert.Equal(data.Value, Get(cluster, newClient, cluster.Members[2], data.Key));
        var list = cluster.Etcdctl(newClient, "member", "list");
        Assert.True(list.ExitCode == 0, list.All);
        Assert.Equal(3, list.Out.Split('\n').Count(l => l.Contains(", started, ")));
        cluster.AssertNoCertificateErrors();

        foreach (var member in cluster.Members)
        {
            var refused = cluster.Etcdctl(oldClient, [member], "endpoint", "health");
            Assert.True(
                refused.ExitCode != 0,
                $"the old client cert is still accepted by {member.Name} after finish: " + $"{refused.All}"
            );
        }
        // Each member logs its refusal once the handshake has failed: wait for the lines rather than for some time.
        static bool Refused(EtcdMember m) =>
            m.LogLines.Any(l => l.Contains("certificate signed by unknown " + "authority", StringComparison.Ordinal));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!cluster.Members.All(Refused) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        Assert.All(cluster.Members, m => Assert.True(Refused(m), $"{m.Name} logged no refusal:\n{m.Log}"));
    }

    /// <summary>One member at a time: the other two keep quorum (a write through them is read back), the member rejoins
    /// (its peers accept its certs) and serves every key.</summary>
    private static async Task RollingRestart(EtcdCluster cluster, EtcdClientCert writer, string when)
    {
        foreach (var member in cluster.Members)
        {
            await cluster.StopMemberAsync(member);
            var remaining = cluster.Members.Where(m => m != member).ToList();
            await cluster.WaitHealthyAsync(remaining, TimeSpan.FromSeconds(20));
            var whileDown = Put(
                cluster,
                writer,
                remaining,
                $"/kubepki/rotation/{when.Replace(' ', '-')}/{member.Name}-down"
            );
            cluster.StartMember(member);
            await cluster.WaitHealthyAsync(cluster.Members, TimeSpan.FromSeconds(30));
            Assert.Equal(whileDown.Value, Get(cluster, writer, member, whileDown.Key));
        }
        var list = cluster.Etcdctl(writer, "member", "list");
        Assert.True(
            list.ExitCode == 0 && list.Out.Split('\n').Count(l => l.Contains(", started, ")) == 3,
            $"{when}: " + $"{list.All}"
        );
    }

    private static void AssertWorks(EtcdCluster cluster, EtcdClientCert client, string what)
    {
        foreach (var member in cluster.Members)
        {
            var health = cluster.Etcdctl(client, [member], "endpoint", "health");
            Assert.True(health.ExitCode == 0, $"{what} on {member.Name}: {health.All}");
        }
        Assert.Equal("OK", cluster.Etcdctl(client, "put", "/kubepki/rotation/probe", what).Out.Trim());
    }

    private string Keep(string path)
    {
        var copy = _scratch.Combine("old-" + Path.GetFileName(path));
        File.Copy(path, copy);
        File.SetUnixFileMode(copy, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return copy;
    }

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
            $"put {key} via " + $"{string.Join(",", via.Select(m => m.Name))}: {put.All}"
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
