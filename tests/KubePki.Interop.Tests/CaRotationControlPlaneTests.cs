using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using KubePki.Interop.Tests.Support;
using KubePki.TestKit;

namespace KubePki.Interop.Tests;

/// <summary><c>kubepki ca rotate … ca --restart-control-plane</c> on a one-node static-pod control plane run by the
/// stand-in kubelet (real etcd; a stand-in kube-controller-manager that refuses, as the real one does, a bundle in
/// <c>--cluster-signing-cert-file</c> or a signing cert that does not match its key). After every phase
/// kube-controller-manager runs and signs with the CA the phase says signs, the files that only trust hold both CAs in
/// phases 1 and 2, the node's kubelet is restarted, and after finish or abort every manifest is kubeadm's again, byte
/// for byte.</summary>
public sealed partial class CaRotationControlPlaneTests(StaticPodCluster cluster)
    : IClassFixture<StaticPodCluster>,
        IDisposable
{
    private readonly TempDir _scratch = new("interop-ca-rotation-control-plane");

    private string KubeletRestarts => _scratch.Combine("kubelet-restarts");

    private string CaFile => Path.Combine(cluster.CertDir, "ca.crt");

    private string Rotate(string phase) =>
        Kubepki.Run(
            Kubepki.NowClock(),
            [
                "ca",
                "rotate",
                phase,
                "ca",
                "--restart-control-plane",
                "--timeout",
                "60s",
                "--kubelet-restart-command",
                $"echo {phase} >> {KubeletRestarts}",
                "--kubeconfig",
                _scratch.Combine("unreachable-admin.conf"),
                .. cluster.NodeFlags,
            ]
        );

    [Fact]
    public async Task Start_issue_finish_keep_the_controller_manager_signing_with_the_phases_ca()
    {
        var kubeadm = cluster.ManifestsSnapshot();
        var events = cluster.Kubelet.Events.Count;
        var oldCa = Fingerprint(CaFile);

        var start = Rotate("start");
        await AssertControllerManagerSigns(oldCa, "after start");
        AssertTrustsBoth("after start");
        Assert.Contains("[kubelet] Restarting the kubelet: echo start", start);
        Assert.Contains("on every node, control-plane nodes included: the kubelet reads", start);
        Assert.Contains("kubectl --kubeconfig " + _scratch.Combine("unreachable-admin.conf"), start);
        var newCa = Fingerprint(Path.Combine(cluster.CertDir, "ca-rotation", "ca", "new-ca.crt"));
        Assert.NotEqual(oldCa, newCa);

        var issue = Rotate("issue");
        await AssertControllerManagerSigns(newCa, "after issue");
        Assert.Contains(
            "For this node: kubepki kubeconfig user --client-name system:node:node1 --org system:nodes",
            issue
        );
        AssertTrustsBoth("after issue");

        Rotate("finish");
        await AssertControllerManagerSigns(newCa, "after finish");
        Assert.Equal([newCa], Fingerprints(CaFile));
        Assert.Equal(kubeadm, cluster.ManifestsSnapshot());
        Assert.Equal(["start", "issue", "finish"], File.ReadAllLines(KubeletRestarts));
        Assert.DoesNotContain(
            cluster.Kubelet.Events.Skip(events),
            e => e.What.StartsWith("exited", StringComparison.Ordinal)
        );
    }

    [Fact]
    public async Task Start_abort_keeps_the_controller_manager_signing_with_the_old_ca()
    {
        var kubeadm = cluster.ManifestsSnapshot();
        var events = cluster.Kubelet.Events.Count;
        var oldCa = Fingerprint(CaFile);

        Rotate("start");
        await AssertControllerManagerSigns(oldCa, "after start");
        AssertTrustsBoth("after start");

        Rotate("abort");
        await AssertControllerManagerSigns(oldCa, "after abort");
        Assert.Equal([oldCa], Fingerprints(CaFile));
        Assert.Equal(kubeadm, cluster.ManifestsSnapshot());
        Assert.Equal(["start", "abort"], File.ReadAllLines(KubeletRestarts));
        Assert.DoesNotContain(
            cluster.Kubelet.Events.Skip(events),
            e => e.What.StartsWith("exited", StringComparison.Ordinal)
        );
    }

    /// <summary>kube-controller-manager is healthy, its signing files are one certificate and its key, and the CA it
    /// said it signs with when it last started is <paramref name="expected"/>.</summary>
    private async Task AssertControllerManagerSigns(string expected, string when)
    {
        await cluster.WaitHealthyAsync(TimeSpan.FromSeconds(60));
        var manifest = ManifestText("kube-controller-manager");
        var signingCert = Flag(manifest, "--cluster-signing-cert-file");
        Assert.Equal([expected], Fingerprints(signingCert));
        var log = cluster.Kubelet.LogOf("kube-controller-manager");
        var last = SigningLine().Matches(log).LastOrDefault();
        Assert.True(last is not null, $"{when}: kube-controller-manager never said which CA signs:\n{log}");
        Assert.True(expected == last.Groups[1].Value, $"{when}: kube-controller-manager signs with {last.Value}");
    }

    /// <summary>Phases 1 and 2: what only trusts (kube-controller-manager's --client-ca-file and --root-ca-file,
    /// kube-apiserver's --client-ca-file) holds the old and the new CA.</summary>
    private void AssertTrustsBoth(string when)
    {
        var controllerManager = ManifestText("kube-controller-manager");
        var apiserver = ManifestText("kube-apiserver");
        foreach (
            var file in new[]
            {
                Flag(controllerManager, "--client-ca-file"),
                Flag(controllerManager, "--root-ca-file"),
                Flag(apiserver, "--client-ca-file"),
            }
        )
        {
            Assert.True(Fingerprints(file).Count == 2, $"{when}: {file} does not hold both CAs");
        }
    }

    private string ManifestText(string component) =>
        File.ReadAllText(Path.Combine(cluster.ManifestsDir, component + ".yaml"));

    private static string Flag(string manifest, string flag)
    {
        var match = Regex.Match(manifest, $@"^\s*- {Regex.Escape(flag)}=(\S+)\s*$", RegexOptions.Multiline);
        Assert.True(match.Success, $"the manifest has no {flag}");
        return match.Groups[1].Value;
    }

    private static string Fingerprint(string path) => Assert.Single(Fingerprints(path));

    private static List<string> Fingerprints(string path)
    {
        var certs = new X509Certificate2Collection();
        certs.ImportFromPemFile(path);
        return certs.Select(c => Convert.ToHexString(SHA256.HashData(c.RawData))).ToList();
    }

    [GeneratedRegex(@"signing with CA ([0-9A-F]{64})")]
    private static partial Regex SigningLine();

    public void Dispose() => _scratch.Dispose();
}
