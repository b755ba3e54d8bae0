using KubePki.Lifecycle;
using KubePki.Storage;
using KubePki.TestKit;

namespace KubePki.Tests.Lifecycle;

public class RenewalJournalTests
{
    private static readonly DiskFileStore Store = DiskFileStore.Instance;

    /// <summary>A kubeconfig dir whose name holds a tab and a newline, with a cert dir inside.</summary>
    private static (TempDir Dir, ReplacementScope Scope) Tree()
    {
        var dir = new TempDir();
        var kubeconfigDir = dir.Combine("odd\tname\nhere");
        Directory.CreateDirectory(Path.Combine(kubeconfigDir, "pki"));
        var scope = new ReplacementScope(Path.Combine(kubeconfigDir, "pki"), kubeconfigDir);
        StateDirectory.Prepare(Store, scope);
        return (dir, scope);
    }

    [Fact]
    public void Paths_with_tabs_and_newlines_survive_a_crash_and_recovery()
    {
        var (dir, scope) = Tree();
        using var _ = dir;
        var key = Path.Combine(scope.CertDir, "a\tkey\n.key");
        var created = Path.Combine(scope.CertDir, "new\n.crt");
        File.WriteAllText(key, "old");
        var backup = BackupDirectory.Create(Store, scope, "certs", DateTimeOffset.UnixEpoch);
        RenewalJournal.Begin(Store, scope, backup.Path, [new(key, backup.Save(key)), new(created, null)]);
        // The crash: the unit was half written.
        File.WriteAllText(key, "new");
        File.WriteAllText(created, "new");

        var messages = RenewalJournal.Recover(Store, scope);

        Assert.Equal("old", File.ReadAllText(key));
        Assert.False(File.Exists(created));
        Assert.False(File.Exists(scope.JournalPath));
        Assert.Equal(2, messages.Count);
        Assert.DoesNotContain(messages, m => m.Contains('\n') || m.Contains('\t'));
    }

    public static TheoryData<string, string> Refused =>
        new()
        {
            { "outside", "is not inside the cert dir or the kubeconfig dir" },
            { "dot-dot", "is not inside the cert dir or the kubeconfig dir" },
            { "copy-outside-backup", "is not inside the backup dir" },
            { "other-backup-dir", "is not a backup dir kubepki made in" },
            { "into-state-dir", "is not inside the cert dir or the kubeconfig dir" },
        };

    [Theory]
    [MemberData(nameof(Refused))]
    public void A_journal_naming_anything_but_this_runs_files_is_refused_and_ignored(string @case, string expected)
    {
        var (dir, scope) = Tree();
        using var _ = dir;
        var victim = dir.Combine("victim");
        File.WriteAllText(victim, "keep");
        var target = Path.Combine(scope.CertDir, "apiserver.key");
        File.WriteAllText(target, "keep");
        var backup = BackupDirectory.Create(Store, scope, "certs", DateTimeOffset.UnixEpoch);
        var copy = backup.Save(target);
        File.WriteAllText(copy, "planted");
        var (original, copyPath, backupDir) = @case switch
        {
            "outside" => (victim, copy, backup.Path),
            "dot-dot" => (Path.Combine(scope.CertDir, "..", "..", "victim"), copy, backup.Path),
            "copy-outside-backup" => (target, victim, backup.Path),
            "other-backup-dir" => (target, copy, dir.Path),
            _ => (scope.JournalPath, copy, backup.Path),
        };
        var journal = $"kubepki-renew-journal/v2\0{backupDir}\0{original}\0{copyPath}\0";
        Store.Write([FileWrite.Text(scope.JournalPath, journal, FileModes.Private)]);

        var messages = RenewalJournal.Recover(Store, scope);

        Assert.Contains(expected, Assert.Single(messages));
        Assert.StartsWith($"[renew] WARNING: ignoring the renewal journal {scope.JournalPath}: ", messages[0]);
        Assert.Equal("keep", File.ReadAllText(victim));
        Assert.Equal("keep", File.ReadAllText(target));
    }

    [Fact]
    public void A_journal_owned_by_another_user_is_refused()
    {
        var (dir, scope) = Tree();
        using var _ = dir;
        File.WriteAllText(scope.JournalPath, "kubepki-renew-journal/v2\0");
        using (var chown = System.Diagnostics.Process.Start("chown", ["1234", scope.JournalPath]))
        {
            chown.WaitForExit();
        }
        var message = Assert.Single(RenewalJournal.Recover(Store, scope));
        var me = DiskFileStore.CurrentUserId;
        Assert.Contains($"is owned by uid 1234, not by uid {me} running kubepki; refusing to trust it", message);
    }
}
