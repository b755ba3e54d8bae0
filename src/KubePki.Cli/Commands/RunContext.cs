using System.CommandLine;
using KubePki.Cluster;
using KubePki.Configuration;
using KubePki.Crypto;
using KubePki.Lifecycle;
using KubePki.Storage;

namespace KubePki.Cli.Commands;

/// <summary>Turns parsed flags into a resolved config and an <see cref="IssueContext"/> over the real disk or, with
/// --dry-run, over an in-memory overlay.</summary>
public static class RunContext
{
    /// <param name="log">Where messages go (default: standard output).</param>
    /// <param name="configLog">Where config-resolution notes go (default: <paramref name="log"/>); commands that don't
    /// use
    /// the advertise address pass <see cref="TextWriter.Null"/>.</param>
    /// <param name="fromCluster">Without --config, read the cluster's kubeadm-config ConfigMap through this kubeconfig,
    /// printing kubeadm's messages with this prefix (check-expiration, renew).</param>
    /// <param name="usesAddress">False for commands whose output does not depend on the advertise address: no line
    /// about it.</param>
    internal static (IssueContext Context, PrefetchingKeyGenerator Keys) Create(
        CliEnvironment env,
        ClusterOptions options,
        ParseResult result,
        TextWriter? log = null,
        TextWriter? configLog = null,
        bool usesAddress = true,
        (string Kubeconfig, string LogPrefix)? fromCluster = null
    )
    {
        log ??= env.Out;
        var config = fromCluster is var (kubeconfig, prefix)
            ? ClusterConfigSource.Resolve(options.Read(result), kubeconfig, prefix, log, configLog ?? log, usesAddress)
            : ClusterConfigResolver.Resolve(options.Read(result), configLog ?? log, reportAddress: usesAddress);
        IFileStore store = result.GetValue(options.DryRun) ? new DryRunFileStore(log) : DiskFileStore.Instance;
        var keys = new PrefetchingKeyGenerator(env.Keys);
        var context = new IssueContext(
            config,
            new PkiDirectory(config.CertificatesDir, store),
            keys,
            env.Time.GetUtcNow(),
            log
        );
        return (context, keys);
    }
}
