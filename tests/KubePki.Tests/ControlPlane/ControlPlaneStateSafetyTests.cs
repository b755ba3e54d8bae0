using System.Diagnostics;
using KubePki.ControlPlane;
using KubePki.Storage;
using KubePki.TestKit;
using Microsoft.Extensions.Time.Testing;

namespace KubePki.Tests.ControlPlane;

/// <summary>Restarts run as root while another user (uid 65534) has had a hand in <c>&lt;kubeconfig-dir&gt;/tmp/</c>:
/// planted journals, lock links, staging files and holding areas; links to root-only files; FIFOs. <c>tmp/</c> is
/// checked as renewal checks it before anything in it is touched, and what is in it is opened without following
/// links and trusted only when it is the running user's own.</summary>
public sealed class ControlPlaneStateSafetyTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private const string Nobody = "65534";

    private const UnixFileMode WorldWritableSticky =
        UnixFileMode.StickyBit
        | UnixFileMode.UserRead
        | UnixFileMode.UserWrite
        | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead
        | UnixFileMode.GroupWrite
        | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead
        | UnixFileMode.OtherWrite
        | UnixFileMode.OtherExecute;

    private static string Journal(ControlPlaneNode node) => ManifestJournal.PathIn(node.TmpDir);

    private static string HeldDir(ControlPlaneNode node) => Path.Combine(node.TmpDir, "kubepki-held-manifests");

    private static void Tool(string name, params string[] args)
    {
        var result = ExternalTool.Run(name, args);
        Assert.True(result.ExitCode == 0, $"{name} {string.Join(' ', args)}: {result.All}");
    }

    /// <summary>Hands the path (not what a link leads to) to uid 65534.</summary>
    private static void GiveToNobody(string path) => Tool("chown", "-h", $"{Nobody}:{Nobody}", path);

    private static string Stat(string path) => ExternalTool.Run("stat", ["-c", "%u:%g %a", path]).Out.Trim();

    private static void PrivateTmp(ControlPlaneNode node) =>
        Directory.CreateDirectory(node.TmpDir, FileModes.PrivateDirectory);

    /// <summary>A <c>tmp/</c> anyone may write (as /tmp is), so another user could plant what follows.</summary>
    private static void SharedTmp(ControlPlaneNode node)
    {
        Directory.CreateDirectory(node.TmpDir);
        File.SetUnixFileMode(node.TmpDir, WorldWritableSticky);
    }

    private static string SharedTmpRefusal(ControlPlaneNode node) =>
        $"error: {node.TmpDir} is writable by group or others (mode 01777); chmod 700 it; refusing to keep the "
        + "control-plane lock, journal and held manifests there\n";

    /// <summary><c>control-plane restart</c> in a task: one that blocks (on a FIFO) fails the test instead of hanging
    /// it, and the FIFO is then opened for writing so the stuck reader can finish.</summary>
    private static CliRunner.Result Restart(ControlPlaneNode node, string? fifo, params string[] args)
    {
        var task = Task.Run(() => CliRunner.Run(["control-plane", "restart", .. args, .. node.Flags]));
        if (!task.Wait(TimeSpan.FromSeconds(30)))
        {
            if (fifo is not null)
            {
                Process.Start("sh", ["-c", "echo > \"$0\"", fifo])?.Dispose();
            }
            Assert.Fail($"control-plane restart {string.Join(' ', args)} did not finish within 30 s");
        }
        return task.Result;
    }

    /// <summary>What another user writes to make root move their file into a directory of their choosing: a journal
    /// line naming <c>&lt;outside&gt;/etcd.yaml</c>, whose "held copy" is their payload under <c>tmp/</c>.</summary>
    private static (string Target, string Payload) PlantMovingJournal(ControlPlaneNode node, string outside)
    {
        var payload = Path.Combine(HeldDir(node), "etcd.yaml");
        Directory.CreateDirectory(HeldDir(node), FileModes.PrivateDirectory);
        File.WriteAllText(payload, "planted\n");
        var target = Path.Combine(outside, "etcd.yaml");
        File.WriteAllText(Journal(node), $"{target}\t{payload}\n");
        return (target, payload);
    }

    [Theory]
    [InlineData("01777, root's")]
    [InlineData("0700, another user's")]
    public void A_tmp_dir_another_user_may_write_is_refused_before_a_journal_planted_there_is_read(string tmp)
    {
        using var node = new ControlPlaneNode();
        using var outside = new TempDir("outside");
        if (tmp.StartsWith("01777", StringComparison.Ordinal))
        {
            SharedTmp(node);
        }
        else
        {
            PrivateTmp(node);
            GiveToNobody(node.TmpDir);
        }
        // uid 65534 itself plants the journal and its payload (it may enter the node dir, as any user may enter
        // /etc/kubernetes).
        File.SetUnixFileMode(node.Root, FileModes.Directory);
        var payload = Path.Combine(HeldDir(node), "etcd.yaml");
        var target = Path.Combine(outside.Path, "etcd.yaml");
        Tool(
            "setpriv",
            $"--reuid={Nobody}",
            $"--regid={Nobody}",
            "--clear-groups",
            "sh",
            "-c",
            "mkdir -m 700 \"$0\" && echo planted > \"$1\" && printf '%s\\t%s\\n' \"$2\" \"$1\" > \"$3\"",
            HeldDir(node),
            payload,
            target,
            Journal(node)
        );
        Assert.StartsWith($"{Nobody}:{Nobody} ", Stat(Journal(node)));
        Assert.Equal($"{target}\t{payload}\n", File.ReadAllText(Journal(node)));
        var before = node.Snapshot();

        var results = new[] { new[] { "kube-scheduler", "--dry-run" }, ["kube-scheduler", "--timeout", "1s"] }
            .Select(args => Restart(node, null, args))
            .ToList();

        Assert.False(File.Exists(target));
        // Nothing moved, and no lock file created among the planted files.
        Assert.Equal(before, node.Snapshot());
        foreach (var result in results)
        {
            Assert.Equal(1, result.ExitCode);
            Assert.Equal("", result.Out);
            Assert.Equal(
                tmp.StartsWith("01777", StringComparison.Ordinal)
                    ? SharedTmpRefusal(node)
                    : $"error: {node.TmpDir} is owned by uid {Nobody}, not by uid 0 running kubepki; refusing to "
                        + "keep the control-plane lock, journal and held manifests there\n",
                result.Error
            );
        }
    }

    [Fact]
    public void A_journal_another_user_owns_is_refused_and_nothing_is_moved()
    {
        using var node = new ControlPlaneNode();
        using var outside = new TempDir("outside");
        PrivateTmp(node);
        var (target, _) = PlantMovingJournal(node, outside.Path);
        GiveToNobody(Journal(node));
        var before = node.Snapshot();

        var result = Restart(node, null, "kube-scheduler", "--timeout", "1s");

        Assert.False(File.Exists(target));
        Assert.Equal(
            before.Keys.Append(Path.Combine(node.TmpDir, ControlPlaneLock.FileName)).Order(StringComparer.Ordinal),
            node.Snapshot().Keys.Order(StringComparer.Ordinal)
        );
        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
            $"error: {Journal(node)} is owned by uid {Nobody}, not by uid 0 running kubepki; refusing to trust it\n",
            result.Error
        );
    }

    [Fact]
    public void A_journal_naming_a_directory_other_than_the_manifests_dir_is_refused_without_repeating_it()
    {
        using var node = new ControlPlaneNode();
        using var outside = new TempDir("outside");
        PrivateTmp(node);
        var (target, payload) = PlantMovingJournal(node, outside.Path);
        var before = node.Snapshot();

        var result = Restart(node, null, "kube-scheduler", "--timeout", "1s");

        Assert.False(File.Exists(target));
        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
            $"error: {Journal(node)} does not name a manifest in {node.ManifestsDir} and its held copy under "
                + $"{node.TmpDir}; refusing to act on it (put back by hand any manifest missing from "
                + $"{node.ManifestsDir}, then remove the journal)\n",
            result.Error
        );
        Assert.DoesNotContain(outside.Path, result.All);
        Assert.Equal("planted\n", File.ReadAllText(payload));
        // Only the lock file is new: the journal is left for the operator.
        Assert.Equal(
            before.Keys.Append(Path.Combine(node.TmpDir, ControlPlaneLock.FileName)).Order(StringComparer.Ordinal),
            node.Snapshot().Keys.Order(StringComparer.Ordinal)
        );
    }

    [Fact]
    public void A_held_copy_another_user_owns_is_not_put_in_place_of_a_missing_manifest()
    {
        using var node = new ControlPlaneNode();
        PrivateTmp(node);
        // A journal kubepki could have written, but the "held copy" is another user's pod.
        var manifest = Path.Combine(node.ManifestsDir, "etcd.yaml");
        var held = Path.Combine(HeldDir(node), "etcd.yaml");
        Directory.CreateDirectory(HeldDir(node), FileModes.PrivateDirectory);
        File.Move(manifest, held);
        GiveToNobody(held);
        File.WriteAllText(Journal(node), $"{manifest}\t{held}\n");

        var result = Restart(node, null, "kube-scheduler", "--timeout", "1s");

        Assert.False(File.Exists(manifest));
        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
            $"error: {Journal(node)}: the held copy {held} is owned by uid {Nobody}, not by uid 0 running kubepki; "
                + $"refusing to put it in place of {manifest} (check it, put the manifest back by hand, then remove "
                + "the journal)\n",
            result.Error
        );
        Assert.Equal($"{Nobody}:{Nobody} 644", Stat(held));
    }

    [Fact]
    public void A_journal_linked_to_a_root_only_file_is_refused_without_printing_that_file()
    {
        using var node = new ControlPlaneNode();
        using var secrets = new TempDir("secrets");
        var secret = Path.Combine(secrets.Path, "shadow");
        File.WriteAllText(secret, "root-only-first-line\nsecond line\n");
        File.SetUnixFileMode(secret, FileModes.Private);
        PrivateTmp(node);
        File.CreateSymbolicLink(Journal(node), secret);

        foreach (var args in new[] { new[] { "all", "--dry-run" }, ["kube-scheduler", "--timeout", "1s"] })
        {
            var result = Restart(node, null, args);

            Assert.DoesNotContain("root-only", result.All);
            Assert.Equal(1, result.ExitCode);
            Assert.Equal($"error: {Journal(node)} is a symbolic link; refusing to read it\n", result.Error);
        }
        Assert.Equal("root-only-first-line\nsecond line\n", File.ReadAllText(secret));
    }

    [Fact]
    public void A_fifo_journal_is_refused_instead_of_hanging()
    {
        using var node = new ControlPlaneNode();
        PrivateTmp(node);
        Tool("mkfifo", Journal(node));

        var result = Restart(node, Journal(node), "all", "--dry-run");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"error: {Journal(node)} is a FIFO, not a regular file; refusing to read it\n", result.Error);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_planted_lock_link_creates_nothing_where_it_points(bool sharedTmp)
    {
        using var node = new ControlPlaneNode();
        using var outside = new TempDir("outside");
        var target = Path.Combine(outside.Path, "created-through-the-link");
        if (sharedTmp)
        {
            SharedTmp(node);
        }
        else
        {
            PrivateTmp(node);
        }
        var lockFile = Path.Combine(node.TmpDir, ControlPlaneLock.FileName);
        File.CreateSymbolicLink(lockFile, target);
        GiveToNobody(lockFile);

        var result = Restart(node, null, "kube-scheduler", "--timeout", "1s");

        Assert.False(File.Exists(target));
        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
            sharedTmp
                ? SharedTmpRefusal(node)
                : $"error: the lock file {lockFile} is a symbolic link; refusing to use it (remove it)\n",
            result.Error
        );
        Assert.Empty(Directory.GetFileSystemEntries(outside.Path));
    }

    /// <summary>Answers "nothing listens" (so a moved-out component counts as stopped at once) and records, on every
    /// probe, whether the manifest has turned up in the directory the holding area's link leads to.</summary>
    private sealed class WatchingProbe(string watched) : IComponentProbe
    {
        public bool SawManifestThere { get; private set; }

        public Task<ProbeOutcome> GetAsync(HttpGetProbe probe, CancellationToken cancellationToken)
        {
            SawManifestThere |= File.Exists(watched);
            return Task.FromResult(new ProbeOutcome(ProbeState.Unreachable, "connection refused"));
        }

        public Task<byte[]?> ServedCertificateAsync(string host, int port, CancellationToken cancellationToken) =>
            Task.FromResult<byte[]?>(null);
    }

    [Fact]
    public async Task A_holding_area_that_is_a_link_is_refused_and_the_manifest_never_leaves()
    {
        using var node = new ControlPlaneNode();
        using var outside = new TempDir("outside");
        PrivateTmp(node);
        File.CreateSymbolicLink(HeldDir(node), outside.Path);
        var probe = new WatchingProbe(Path.Combine(outside.Path, "etcd.yaml"));
        var settings = new ControlPlaneSettings(
            node.ManifestsDir,
            node.KubeconfigDir,
            TimeSpan.FromMilliseconds(500),
            TimeSpan.FromMilliseconds(100)
        );
        using var restarter = StaticPodRestarter.Open(settings, probe, TimeProvider.System, TextWriter.Null, default);

        var error = await Assert.ThrowsAsync<KubePkiException>(() =>
            restarter.RestartAsync([ControlPlaneComponent.Etcd])
        );

        Assert.False(probe.SawManifestThere);
        Assert.Equal(
            $"{HeldDir(node)} is a symbolic link, not a directory; refusing to keep manifests moved out of "
                + $"{node.ManifestsDir} there",
            error.Message
        );
        Assert.True(File.Exists(Path.Combine(node.ManifestsDir, "etcd.yaml")));
        Assert.Empty(Directory.GetFileSystemEntries(outside.Path));
        Assert.False(File.Exists(Journal(node)));
    }

    [Fact]
    public void Apply_refuses_a_shared_tmp_so_a_planted_staging_file_never_decides_the_manifests_owner_or_mode()
    {
        using var node = new ControlPlaneNode();
        using var from = new TempDir("manifests-from");
        foreach (var file in Directory.GetFiles(node.ManifestsDir))
        {
            File.Copy(file, Path.Combine(from.Path, Path.GetFileName(file)));
        }
        var next = Path.Combine(from.Path, "kube-scheduler.yaml");
        File.WriteAllText(next, File.ReadAllText(next).Replace("--secure-port=1", "--secure-port=2"));
        SharedTmp(node);
        var staged = Path.Combine(node.TmpDir, "kubepki-staged-kube-scheduler.yaml");
        File.WriteAllText(staged, "");
        GiveToNobody(staged);
        File.SetUnixFileMode(staged, (UnixFileMode)0b110_110_110);
        var installed = Path.Combine(node.ManifestsDir, "kube-scheduler.yaml");
        var before = (Stat(installed), File.ReadAllText(installed));

        var result = CliRunner.Run([
            "control-plane",
            "apply",
            "--manifests-from",
            from.Path,
            "--certificate-renewal=false",
            "--timeout",
            "1s",
            .. node.Flags,
        ]);

        Assert.Equal(before, (Stat(installed), File.ReadAllText(installed)));
        Assert.Equal(1, result.ExitCode);
        Assert.Equal(SharedTmpRefusal(node), result.Error);
        Assert.Equal([staged], Directory.GetFileSystemEntries(node.TmpDir));
    }

    /// <summary>What the renewal timer's service runs (for one certificate), and a CA rotation phase.</summary>
    [Theory]
    [InlineData("certs renew apiserver")]
    [InlineData("ca rotate start ca")]
    public void Restart_control_plane_refuses_a_shared_tmp_before_a_planted_lock_link_is_followed(string command)
    {
        using var dir = cluster.Copy();
        using var node = new ControlPlaneNode();
        using var outside = new TempDir("outside");
        var target = Path.Combine(outside.Path, "created-through-the-link");
        var tmp = dir.Combine("tmp");
        Directory.CreateDirectory(tmp);
        File.SetUnixFileMode(tmp, WorldWritableSticky);
        var lockFile = Path.Combine(tmp, ControlPlaneLock.FileName);
        File.CreateSymbolicLink(lockFile, target);
        GiveToNobody(lockFile);
        var pki = Directory
            .GetFiles(dir.Combine("pki"), "*", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .ToDictionary(p => p, File.ReadAllText);

        var result = CliRunner.Run(
            new FakeTimeProvider(ClusterFixture.Start.AddDays(300)),
            null,
            [
                .. command.Split(' '),
                "--restart-control-plane",
                "--cert-dir",
                dir.Combine("pki"),
                "--kubeconfig-dir",
                dir.Path,
                "--manifests-dir",
                node.ManifestsDir,
                "--kubelet-config",
                node.KubeletConfig,
            ]
        );

        Assert.False(File.Exists(target));
        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
            $"error: {tmp} is writable by group or others (mode 01777); chmod 700 it; refusing to keep the "
                + "control-plane lock, journal and held manifests there\n",
            result.Error
        );
        Assert.Equal(
            pki,
            Directory
                .GetFiles(dir.Combine("pki"), "*", SearchOption.AllDirectories)
                .Order(StringComparer.Ordinal)
                .ToDictionary(p => p, File.ReadAllText)
        );
    }
}
