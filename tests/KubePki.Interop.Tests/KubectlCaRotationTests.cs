using KubePki.Interop.Tests.Support;
using KubePki.TestKit;

namespace KubePki.Interop.Tests;

/// <summary><c>kubepki ca rotate</c> for the cluster CA judged by kubectl 1.32 against an endpoint that serves
/// apiserver.crt and trusts ca.crt as its client CA, restarted after each phase (as kube-apiserver would be): the
/// admin.conf of each phase works; one taken before <c>start</c> fails once the apiserver cert comes from the new CA;
/// one taken after <c>start</c> keeps working through <c>issue</c>; after <c>finish</c> only what the new CA signed is
/// accepted.</summary>
public sealed class KubectlCaRotationTests : IDisposable
{
    private static readonly string[] ClientKubeconfigs =
    [
        "admin.conf",
        "super-admin.conf",
        "controller-manager.conf",
        "scheduler.conf",
    ];

    private readonly KubectlRunner _kubectl = new();
    private readonly TempDir _saved = new("interop-ca-rotation-saved");

    [Fact]
    public async Task Each_phase_keeps_a_trusted_path_and_finish_accepts_only_the_new_ca()
    {
        var clock = Kubepki.NowClock();
        await using var cluster = ApiCluster.CreateEcdsaByConfig(clock, "rotation-node").Serve();
        var config = Path.Combine(cluster.Dir, "kubeadm-config.yaml");
        var pki = cluster.Pki;
        string Rotate(string phase) =>
            Kubepki.Run(
                clock,
                "ca",
                "rotate",
                phase,
                "ca",
                "--cert-dir",
                pki,
                "--kubeconfig-dir",
                cluster.Dir,
                "--config",
                config
            );
        void Restart() =>
            cluster.Endpoint.Restart(
                Path.Combine(pki, "apiserver.crt"),
                Path.Combine(pki, "apiserver.key"),
                Path.Combine(pki, "ca.crt")
            );
        string Save(string label) => Copy(cluster.Kubeconfig("admin.conf"), label);

        var beforeStart = Save("before-start");
        AssertWorks(beforeStart, "admin.conf before start");

        Rotate("start");
        Restart();
        var afterStart = Save("after-start");
        AssertWorks(afterStart, "admin.conf of phase 1");
        AssertWorks(beforeStart, "admin.conf from before start, in phase 1");

        var issue = Rotate("issue");
        Assert.Contains("certificate for serving the Kubernetes API renewed", issue);
        Restart();
        var afterIssue = Save("after-issue");
        AssertWorks(afterIssue, "admin.conf of phase 2");
        AssertWorks(afterStart, "admin.conf taken after start, in phase 2");
        AssertFails(
            beforeStart,
            "admin.conf from before start, in phase 2",
            "x509: certificate signed by unknown " + "authority"
        );

        Rotate("finish");
        Restart();
        foreach (var name in ClientKubeconfigs)
        {
            AssertWorks(cluster.Kubeconfig(name), $"{name} after finish");
        }
        AssertWorks(afterIssue, "admin.conf of phase 2 (signed by the new CA), after finish");
        var refusedBefore = cluster.Endpoint.Refusals.Count;
        AssertFails(afterStart, "admin.conf taken after start (client cert of the old CA), after finish", "");
        Assert.Contains(
            cluster.Endpoint.Refusals.Skip(refusedBefore),
            r => r.Contains("CN=kubernetes-admin refused", StringComparison.Ordinal)
        );
        AssertFails(
            beforeStart,
            "admin.conf from before start, after finish",
            "x509: certificate signed by unknown " + "authority"
        );
    }

    private void AssertWorks(string kubeconfig, string what)
    {
        var result = _kubectl.Healthz(kubeconfig);
        Assert.True(result.ExitCode == 0 && result.Out.Trim() == "ok", $"kubectl with {what}: {result.All}");
    }

    private void AssertFails(string kubeconfig, string what, string expected)
    {
        var result = _kubectl.Healthz(kubeconfig);
        Assert.True(result.ExitCode != 0, $"kubectl with {what} should fail: {result.All}");
        Assert.Contains(expected, result.Error);
    }

    private string Copy(string path, string label)
    {
        var target = _saved.Combine(label + ".conf");
        File.Copy(path, target);
        File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return target;
    }

    public void Dispose()
    {
        _kubectl.Dispose();
        _saved.Dispose();
    }
}
