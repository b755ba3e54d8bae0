using System.Diagnostics;
using KubePki.Interop.Tests.Support;
using KubePki.TestKit;

namespace KubePki.Interop.Tests;

/// <summary><c>control-plane apply</c>, the static-pod step of kubeadm upgrade, on a one-node static-pod control plane
/// run by the stand-in kubelet: the real etcd (its data read back with etcdctl) and stand-ins for the other three.
/// Which pods were restarted is what the kubelet did.</summary>
public sealed class ControlPlaneApplyTests(StaticPodCluster cluster) : IClassFixture<StaticPodCluster>, IDisposable
{
    private readonly TempDir _scratch = new("interop-control-plane-apply");

    [Fact]
    public void A_newer_etcd_is_installed_after_its_data_is_copied_and_admin_conf_is_renewed()
    {
        var key = $"/kubepki/apply/{Guid.NewGuid():N}";
        var put = cluster.Etcdctl("put", key, "kept");
        Assert.True(put.ExitCode == 0, put.All);
        var from = NewManifests("newer-etcd", ("etcd", Bump("3.5.16-0")));
        var certs = CertIdentities();
        var before = cluster.Kubelet.Events.Count;
        var backupsBefore = EtcdBackups();

        var output = Kubepki.Run(
            Kubepki.NowClock(),
            ["control-plane", "apply", "--manifests-from", from, "--timeout", "60s", .. cluster.NodeFlags]
        );

        Assert.Equal(
            ["etcd stopped", "etcd started"],
            cluster.Kubelet.Events.Skip(before).Select(e => $"{e.Pod} {e.What}")
        );
        Assert.Contains("[upgrade/staticpods] Preparing for \"etcd\" upgrade", output);
        Assert.Contains("[upgrade/staticpods] Renewing etcd-server certificate", output);
        Assert.Contains("[upgrade/staticpods] Waiting for the kubelet to restart the component", output);
        Assert.Contains(
            "[upgrade/staticpods] This might take a minute or longer depending on the component/version gap "
                + "(timeout 1m0s)",
            output
        );
        Assert.Contains("[upgrade/staticpods] Component \"etcd\" upgraded successfully!", output);
        Assert.Contains(
            "[upgrade/staticpods] Current and new manifests of kube-apiserver are equal, skipping upgrade",
            output
        );
        Assert.Equal(
            File.ReadAllText(Path.Combine(from, "etcd.yaml")),
            File.ReadAllText(Path.Combine(cluster.ManifestsDir, "etcd.yaml"))
        );
        var get = cluster.Etcdctl("get", key, "--print-value-only");
        Assert.True(get.ExitCode == 0 && get.Out.Trim() == "kept", get.All);

        // The copy is laid out as kubeadm's cp -r leaves it, 0700, and holds etcd's database with the key.
        var backup = Assert.Single(EtcdBackups().Except(backupsBefore));
        Assert.Equal(
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute,
            File.GetUnixFileMode(backup)
        );
        var copiedDb = Path.Combine(backup, Path.GetFileName(cluster.EtcdDataDir), "member", "snap", "db");
        Assert.True(File.Exists(copiedDb), $"no {copiedDb}");
        Assert.True(File.ReadAllBytes(copiedDb).AsSpan().IndexOf("kept"u8) >= 0, "the copied database lacks the key");

        // etcd's certificates and admin.conf, super-admin.conf were renewed; the others were not.
        var after = CertIdentities();
        Assert.Equal(
            ["admin.conf", "etcd/healthcheck-client.crt", "etcd/peer.crt", "etcd/server.crt", "super-admin.conf"],
            certs.Keys.Where(k => certs[k] != after[k]).Order(StringComparer.Ordinal)
        );
    }

    [Fact]
    public async Task An_older_etcd_is_skipped_with_kubeadms_message_and_the_others_go_on()
    {
        var etcd = File.ReadAllText(Path.Combine(cluster.ManifestsDir, "etcd.yaml"));
        var from = NewManifests("older-etcd", ("etcd", Bump("3.5.12-0")), ("kube-scheduler", AddFlag("--v=4")));
        var before = cluster.Kubelet.Events.Count;

        var output = Kubepki.Run(
            Kubepki.NowClock(),
            ["control-plane", "apply", "--manifests-from", from, "--timeout", "30s", .. cluster.NodeFlags]
        );

        Assert.Contains(
            "[upgrade/etcd] Non fatal issue encountered during upgrade: the desired etcd version for this Kubernetes "
                + "version \"v1.32.0\" is \"3.5.12-0\", but the current etcd version is \"3.5.15-0\". Won't "
                + "downgrade etcd, instead just continue",
            output
        );
        Assert.Contains("[upgrade/staticpods] Component \"kube-scheduler\" upgraded successfully!", output);
        await Task.Delay(StaticPodCluster.FileCheckFrequency * 2);
        Assert.Equal(
            ["kube-scheduler stopped", "kube-scheduler started"],
            cluster.Kubelet.Events.Skip(before).Select(e => $"{e.Pod} {e.What}")
        );
        Assert.Equal(etcd, File.ReadAllText(Path.Combine(cluster.ManifestsDir, "etcd.yaml")));
    }

    [Fact]
    public async Task A_failing_component_rolls_back_every_component_the_run_replaced()
    {
        var manifests = cluster.ManifestsSnapshot();
        // A flag the binary does not know: the scheduler exits at once, and the kubelet restarts it in a loop.
        var from = NewManifests(
            "failing-scheduler",
            ("kube-apiserver", AddFlag("--v=2")),
            ("kube-controller-manager", AddFlag("--v=2")),
            ("kube-scheduler", AddFlag("--no-such-flag=1"))
        );
        var before = cluster.Kubelet.Events.Count;
        var clock = Stopwatch.StartNew();

        var result = CliRunner.Run(
            Kubepki.NowClock(),
            FixtureKeys.Shared,
            ["control-plane", "apply", "--manifests-from", from, "--timeout", "6s", .. cluster.NodeFlags]
        );
        clock.Stop();

        Assert.Equal(1, result.ExitCode);
        var error = result.Error.Trim();
        Assert.DoesNotContain('\n', error);
        Assert.StartsWith(
            "error: couldn't upgrade the control plane: \"kube-scheduler\" did not become healthy within 6s with its "
                + "new manifest",
            error
        );
        Assert.Contains(
            "rolled back kube-scheduler, kube-controller-manager, kube-apiserver to the old manifests and "
                + "certificates",
            error
        );
        Assert.Contains("which are healthy", error);
        Assert.Contains("[upgrade/staticpods] Component \"kube-apiserver\" upgraded successfully!", result.Out);
        Assert.Contains(
            "[upgrade/staticpods] Component \"kube-controller-manager\" upgraded successfully!",
            result.Out
        );
        Assert.Contains("unknown flag: --no-such-flag", cluster.Kubelet.LogOf("kube-scheduler"));
        // It waited out the timeout before it gave up; no upper bound, which load on the machine could break.
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(6), $"gave up after {clock.Elapsed}");
        Assert.Equal(manifests, cluster.ManifestsSnapshot());
        var events = cluster.Kubelet.Events.Skip(before).ToList();
        // Each replaced component ran its new manifest, then its old one again; etcd was never touched.
        Assert.Equal(2, events.Count(e => e is { Pod: "kube-apiserver", What: "stopped" }));
        Assert.Equal(2, events.Count(e => e is { Pod: "kube-controller-manager", What: "stopped" }));
        Assert.DoesNotContain(events, e => e.Pod == "etcd");
        await cluster.WaitHealthyAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task UpgradeConfiguration_in_config_sets_renewal_and_the_timeout()
    {
        var manifests = cluster.ManifestsSnapshot();
        var config = Path.Combine(_scratch.Path, "upgrade-config.yaml");
        File.WriteAllText(
            config,
            File.ReadAllText(cluster.ConfigPath)
                + """

                ---
                apiVersion: kubeadm.k8s.io/v1beta4
                kind: UpgradeConfiguration
                apply:
                  certificateRenewal: false
                timeouts:
                  upgradeManifests: 4s
                """
        );
        var from = NewManifests("upgrade-config", ("kube-controller-manager", AddFlag("--no-such-flag=1")));
        var certs = CertIdentities();
        string[] flags = [.. cluster.NodeFlags];
        flags[Array.IndexOf(flags, cluster.ConfigPath)] = config;

        var result = CliRunner.Run(
            Kubepki.NowClock(),
            FixtureKeys.Shared,
            ["control-plane", "apply", "--manifests-from", from, .. flags]
        );

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith(
            "error: couldn't upgrade the control plane: \"kube-controller-manager\" did not become healthy within "
                + "4s with its new manifest",
            result.Error
        );
        Assert.Contains("(timeout 4s)", result.Out);
        Assert.DoesNotContain("Renewing", result.Out);
        Assert.Equal(certs, CertIdentities());
        Assert.Equal(manifests, cluster.ManifestsSnapshot());
        await cluster.WaitHealthyAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void Apply_renews_only_the_changed_components_certs_backs_up_installs_and_honours_certificate_renewal_false()
    {
        var old = File.ReadAllText(Path.Combine(cluster.ManifestsDir, "kube-scheduler.yaml"));
        var from = NewManifests("apply-scheduler", ("kube-scheduler", AddFlag("--v=2")));
        var backupsBefore = ManifestBackups();
        var certs = CertIdentities();
        var before = cluster.Kubelet.Events.Count;

        var output = Kubepki.Run(
            Kubepki.NowClock(),
            ["control-plane", "apply", "--manifests-from", from, "--timeout", "30s", .. cluster.NodeFlags]
        );

        Assert.Equal(
            ["kube-scheduler stopped", "kube-scheduler started"],
            cluster.Kubelet.Events.Skip(before).Select(e => $"{e.Pod} {e.What}")
        );
        Assert.Contains("[upgrade/staticpods] Current and new manifests of etcd are equal, skipping upgrade", output);
        Assert.Contains("[upgrade/staticpods] Renewing scheduler.conf certificate", output);
        Assert.Contains("[upgrade/staticpods] Component \"kube-scheduler\" upgraded successfully!", output);
        var after = CertIdentities();
        Assert.Equal(
            ["admin.conf", "scheduler.conf", "super-admin.conf"],
            certs.Keys.Where(k => certs[k] != after[k]).Order(StringComparer.Ordinal)
        );
        Assert.Equal(
            File.ReadAllText(Path.Combine(from, "kube-scheduler.yaml")),
            File.ReadAllText(Path.Combine(cluster.ManifestsDir, "kube-scheduler.yaml"))
        );
        var backup = Path.Combine(Assert.Single(ManifestBackups().Except(backupsBefore)), "kube-scheduler.yaml");
        Assert.Equal(old, File.ReadAllText(backup));
        Assert.Equal(
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute,
            File.GetUnixFileMode(Path.GetDirectoryName(backup)!)
        );
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(backup));

        // --certificate-renewal=false: the controller manager's manifest changes, no kubeconfig does.
        from = NewManifests("apply-no-renewal", ("kube-controller-manager", AddFlag("--v=2")));
        certs = CertIdentities();
        before = cluster.Kubelet.Events.Count;
        output = Kubepki.Run(
            Kubepki.NowClock(),
            [
                "control-plane",
                "apply",
                "--manifests-from",
                from,
                "--certificate-renewal=false",
                "--timeout",
                "30s",
                .. cluster.NodeFlags,
            ]
        );
        Assert.Equal(
            ["kube-controller-manager stopped", "kube-controller-manager started"],
            cluster.Kubelet.Events.Skip(before).Select(e => $"{e.Pod} {e.What}")
        );
        Assert.DoesNotContain("Renewing", output);
        Assert.Equal(certs, CertIdentities());
    }

    private string[] EtcdBackups() => Backups("kubeadm-backup-etcd-*");

    private string[] ManifestBackups() => Backups("kubeadm-backup-manifests-*");

    private string[] Backups(string pattern) =>
        Directory.Exists(Path.Combine(cluster.KubeconfigDir, "tmp"))
            ? Directory.GetDirectories(Path.Combine(cluster.KubeconfigDir, "tmp"), pattern)
            : [];

    /// <summary>A copy of the installed manifests with some of them edited.</summary>
    private string NewManifests(string name, params (string Component, Func<string, string> Edit)[] edits)
    {
        var dir = Path.Combine(_scratch.Path, name);
        Directory.CreateDirectory(dir);
        foreach (var file in Directory.GetFiles(cluster.ManifestsDir))
        {
            File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
        }
        foreach (var (component, edit) in edits)
        {
            var path = Path.Combine(dir, component + ".yaml");
            File.WriteAllText(path, edit(File.ReadAllText(path)));
        }
        return dir;
    }

    private static Func<string, string> AddFlag(string flag) =>
        text => text.Insert(text.IndexOf("    - --secure-port=", StringComparison.Ordinal), $"    - {flag}\n");

    /// <summary>Another etcd image tag, and a flag so the running etcd (the one installed here) differs too.</summary>
    private static Func<string, string> Bump(string tag) =>
        text =>
            text.Replace("registry.k8s.io/etcd:3.5.15-0", $"registry.k8s.io/etcd:{tag}", StringComparison.Ordinal)
                .Replace("    - --snapshot-count=10000\n", "    - --snapshot-count=10001\n", StringComparison.Ordinal);

    /// <summary>Serial + fingerprint of every leaf certificate and every kubeconfig's client certificate.</summary>
    private Dictionary<string, string> CertIdentities()
    {
        var identities = Directory
            .GetFiles(cluster.CertDir, "*.crt", SearchOption.AllDirectories)
            .Where(p => !p.EndsWith("ca.crt", StringComparison.Ordinal))
            .ToDictionary(p => Path.GetRelativePath(cluster.CertDir, p), TlsProbe.Identity);
        foreach (var conf in new[] { "admin.conf", "super-admin.conf", "controller-manager.conf", "scheduler.conf" })
        {
            identities[conf] = Kubepki.KubeconfigField(
                Path.Combine(cluster.KubeconfigDir, conf),
                "client-certificate-data"
            );
        }
        return identities;
    }

    public void Dispose() => _scratch.Dispose();
}
