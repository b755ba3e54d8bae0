using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using KubePki.Configuration;
using KubePki.Lifecycle;
using KubePki.Rotation;
using KubePki.Storage;
using KubePki.TestKit;
using Xunit.Abstractions;
using static KubePki.Tests.Rotation.RotationFixture;

namespace KubePki.Tests.Rotation;

/// <summary>Crash safety of every phase: the process dies after any number of file renames (or is killed with SIGKILL
/// at an arbitrary instant), and the same command run again leaves the phase complete, every key matching its cert, no
/// journal behind, while status and check-expiration keep working in between.</summary>
public class CrashSafetyTests(RotationFixture fixture, ITestOutputHelper output) : IClassFixture<RotationFixture>
{
    public static TheoryData<string> Phases() => new(["start", "issue", "finish", "abort"]);

    [Theory]
    [MemberData(nameof(Phases))]
    public void A_phase_that_dies_after_any_write_is_finished_by_running_it_again(string phase)
    {
        using var prepared = fixture.Copy();
        var old = Cert(prepared.Combine("pki", "ca.crt"));
        Prepare(prepared, phase);
        var writes = CountWrites(prepared, phase);
        Assert.True(writes >= 3, $"{phase} made only {writes} writes");
        for (var crashAt = 0; crashAt < writes; crashAt++)
        {
            using var dir = CopyOf(prepared.Path);
            Assert.Throws<SimulatedCrash>(() => RunInProcess(dir, phase, new CrashingStore(crashAt)));
            Assert.True(
                Rotate(dir, "status", "ca").ExitCode == 0,
                $"status after a crash at write {crashAt} of " + $"{phase}"
            );
            var expiration = CliRunner.Run(
                Later,
                null,
                "certs",
                "check-expiration",
                "--cert-dir",
                dir.Combine("pki"),
                "--kubeconfig-dir",
                dir.Path,
                "--config",
                dir.Combine("kubeadm.yaml")
            );
            Assert.True(
                expiration.ExitCode == 0,
                $"check-expiration after a crash at write {crashAt} of {phase}: " + $"{expiration.All}"
            );
            var again = Rotate(dir, phase, "ca");
            Assert.True(again.ExitCode == 0, $"{phase} after a crash at write {crashAt}: {again.All}");
            AssertComplete(dir, phase, old, $"{phase}, crash at write {crashAt} of {writes}");
        }
    }

    [Fact]
    public void Issue_killed_with_sigkill_at_arbitrary_instants_is_finished_by_running_it_again()
    {
        var kubepki = CliRunner.Binary ?? Path.Combine(AppContext.BaseDirectory, "kubepki");
        var interrupted = 0;
        for (var delay = 40; delay <= 400; delay += 40)
        {
            using var dir = fixture.Copy();
            var old = Cert(dir.Combine("pki", "ca.crt"));
            RotateOk(dir, "start", "ca");
            var before = TreeSnapshot.Of(dir.Path);
            var info = new ProcessStartInfo(kubepki) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (
                var arg in new[]
                {
                    "ca",
                    "rotate",
                    "issue",
                    "ca",
                    "--cert-dir",
                    dir.Combine("pki"),
                    "--kubeconfig-dir",
                    dir.Path,
                    "--config",
                    dir.Combine("kubeadm.yaml"),
                }
            )
            {
                info.ArgumentList.Add(arg);
            }
            using var process = Process.Start(info)!;
            Thread.Sleep(delay);
            process.Kill(); // SIGKILL
            process.WaitForExit();
            var changed = !before.Files.SequenceEqual(TreeSnapshot.Of(dir.Path).Files);
            var status = RotateOk(dir, "status", "ca").Out;
            if (changed && status.Contains("PENDING", StringComparison.Ordinal))
            {
                interrupted++;
            }
            var again = Rotate(dir, "issue", "ca");
            Assert.True(again.ExitCode == 0, $"issue after SIGKILL at {delay} ms: {again.All}");
            AssertComplete(dir, "issue", old, $"SIGKILL at {delay} ms");
        }
        output.WriteLine($"{interrupted} of 10 kills landed in the middle of issue");
    }

    [Fact]
    public void A_file_replaced_twice_in_one_run_keeps_both_backups_and_no_state_goes_into_the_cert_dir()
    {
        using var dir = fixture.Copy();
        var path = dir.Combine("admin.conf");
        var original = File.ReadAllBytes(path);
        var scope = new ReplacementScope(dir.Combine("pki"), dir.Path);
        var policy = new ReplacementPolicy(TimeSpan.Zero, BackupKind: CaRotation.BackupKind);
        using (var replacer = FileReplacer.Open(DiskFileStore.Instance, scope, policy, Later, TextWriter.Null))
        {
            replacer.Replace([FileWrite.Text(path, "first", FileModes.Private)]);
            replacer.Replace([FileWrite.Text(path, "second", FileModes.Private)]);

            // The first copy is what the run started from; the second is what the second replacement replaced.
            Assert.Equal(original, File.ReadAllBytes(Path.Combine(replacer.BackupPath!, "admin.conf")));
            Assert.Equal("first", File.ReadAllText(Path.Combine(replacer.BackupPath!, "admin.conf.1")));
        }
        Assert.Equal("second", File.ReadAllText(path));
        Assert.True(File.Exists(scope.LockPath));
        Assert.Empty(Directory.EnumerateFiles(dir.Combine("pki"), "kubepki-*", SearchOption.AllDirectories));
    }

    private static int CountWrites(TempDir prepared, string phase)
    {
        using var dir = CopyOf(prepared.Path);
        var counter = new CrashingStore(int.MaxValue);
        RunInProcess(dir, phase, counter);
        return counter.Count;
    }

    private static void Prepare(TempDir dir, string phase)
    {
        if (phase != "start")
        {
            RotateOk(dir, "start", "ca");
        }
        if (phase is "finish" or "abort")
        {
            RotateOk(dir, "issue", "ca");
        }
    }

    private static void RunInProcess(TempDir dir, string phase, IFileStore store)
    {
        var config = ClusterConfigResolver.Resolve(
            new ConfigOverrides
            {
                ConfigPath = dir.Combine("kubeadm.yaml"),
                CertificatesDir = dir.Combine("pki"),
                KubeconfigDir = dir.Path,
            },
            TextWriter.Null
        );
        var context = new IssueContext(
            config,
            new PkiDirectory(config.CertificatesDir, store),
            FixtureKeys.Shared,
            Later.GetUtcNow(),
            TextWriter.Null
        );
        var rotation = new CaRotation(context, ClusterCa.Ca);
        _ = phase switch
        {
            "start" => rotation.Start(null),
            "issue" => rotation.Issue(),
            "finish" => rotation.Finish(),
            _ => rotation.Abort(),
        };
    }

    private static void AssertComplete(TempDir dir, string phase, X509Certificate2 old, string when)
    {
        var bundle = Bundle(dir.Combine("pki", "ca.crt"));
        var rotation = dir.Combine("pki", "ca-rotation", "ca");
        var @new = phase switch
        {
            "start" or "issue" => Cert(Path.Combine(rotation, "new-ca.crt")),
            "finish" => bundle[0],
            _ => old,
        };
        IReadOnlyList<X509Certificate2> trust = phase switch
        {
            "start" => [old, @new],
            "issue" => [@new, old],
            "finish" => [@new],
            _ => [old],
        };
        var signer = phase is "start" or "abort" ? old : @new;
        Assert.True(
            trust.Select(c => c.RawData).SequenceEqual(bundle.Select(c => c.RawData), new BytesComparer()),
            $"{when}: ca.crt"
        );
        foreach (var name in Kubeconfigs)
        {
            Assert.True(
                trust
                    .Select(c => c.RawData)
                    .SequenceEqual(KubeconfigTrust(dir.Combine(name)).Select(c => c.RawData), new BytesComparer()),
                $"{when}: {name} trust"
            );
        }
        foreach (var (path, cert) in SignedByCa(dir))
        {
            Assert.True(SignedBy(cert, signer), $"{when}: {path} is not signed by the expected CA");
        }
        AssertEveryPairMatches(dir);
        Assert.Equal(phase is "start" or "issue", Directory.Exists(rotation));
        var scope = new ReplacementScope(dir.Combine("pki"), dir.Path);
        Assert.False(File.Exists(scope.JournalPath), $"{when}: a journal is left");
        Assert.Empty(Directory.EnumerateFiles(dir.Combine("pki"), "kubepki-renew*", SearchOption.AllDirectories));
    }

    private sealed class BytesComparer : IEqualityComparer<byte[]>
    {
        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => obj.Length;
    }

    private sealed class SimulatedCrash() : Exception("simulated crash");

    /// <summary>Writes file by file through the real disk store and "dies" (throws an exception nothing handles) before
    /// the file with index <c>crashAt</c> is renamed into place: what a process killed between two renames
    /// leaves.</summary>
    private sealed class CrashingStore(int crashAt) : DelegatingFileStore
    {
        public int Count { get; private set; }

        public override void Write(IReadOnlyList<FileWrite> files)
        {
            foreach (var file in files)
            {
                if (Count++ == crashAt)
                {
                    throw new SimulatedCrash();
                }
                Inner.Write([file]);
            }
        }
    }
}
