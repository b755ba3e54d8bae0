using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using KubePki.TestKit;

namespace KubePki.Interop.Tests.Support;

/// <summary>One etcd member of an <see cref="EtcdCluster"/>: its loopback IP, ports, directories and process.</summary>
public sealed class EtcdMember
{
    internal readonly ConcurrentQueue<string> LogLines = new();

    internal EtcdMember(int index, string name, string ip, string dir)
    {
        Index = index;
        Name = name;
        Ip = ip;
        Dir = dir;
        ClientPort = FreePort.On(ip);
        PeerPort = FreePort.On(ip);
        MetricsPort = FreePort.On(ip);
    }

    public int Index { get; }

    /// <summary>Member name = the node name its certs are issued for (as kubeadm does).</summary>
    public string Name { get; }

    public string Ip { get; }

    public string Dir { get; }

    public int ClientPort { get; }

    public int PeerPort { get; }

    public int MetricsPort { get; }

    public string ClientUrl => $"https://{Ip}:{ClientPort}";

    public string PeerUrl => $"https://{Ip}:{PeerPort}";

    /// <summary>The member's own --cert-dir: a copy of the shared etcd/ca.crt+ca.key plus its etcd/server and etcd/peer
    /// pairs.</summary>
    public string CertDir => Path.Combine(Dir, "pki");

    public string DataDir => Path.Combine(Dir, "data");

    public string ConfigPath => Path.Combine(Dir, "kubeadm-config.yaml");

    public Process? Process { get; internal set; }

    public bool Running => Process is { HasExited: false };

    /// <summary>Everything the member wrote to stdout/stderr, across restarts.</summary>
    public string Log => string.Join("\n", LogLines);

    /// <summary>Log lines that report a TLS problem: x509 errors and rejected connections.</summary>
    public IReadOnlyList<string> TlsErrorLines =>
        LogLines
            .Where(l =>
                l.Contains("x509", StringComparison.OrdinalIgnoreCase)
                || l.Contains("rejected connection", StringComparison.Ordinal)
            )
            .ToList();
}

/// <summary>A real etcd cluster (members on 127.0.0.1, .2, .3, ...) with mutual TLS on client and peer ports, every
/// member's etcd-server and etcd-peer certs issued by kubepki from one shared etcd CA with that member's node name and
/// advertise address. Start/stop/restart single members (for rolling restarts after renewals) and run etcdctl with any
/// client cert. Disposal kills every process and waits for it.</summary>
public sealed class EtcdCluster : IAsyncDisposable
{
    private const int SigTerm = 15;
    private readonly TempDir _root;
    private readonly string _token = "kubepki-" + Guid.NewGuid().ToString("N")[..8];

    private EtcdCluster(TempDir root, string encryptionAlgorithm, IReadOnlyList<EtcdMember> members)
    {
        _root = root;
        EncryptionAlgorithm = encryptionAlgorithm;
        Members = members;
    }

    public IReadOnlyList<EtcdMember> Members { get; }

    // A member going down mid-handshake (its own or a peer's) is logged as a rejected connection with a socket error;
    // any other reason (bad certificate, unknown authority, key usage, ...) is a certificate problem.
    private static readonly string[] TeardownErrors =
    [
        "(error \"EOF\"",
        "use of closed network connection\"",
        "connection reset by peer\"",
        "broken pipe\"",
    ];

    /// <summary>Fails unless every member's log is free of x509 errors and of connections refused for any reason
    /// other than a peer going down.</summary>
    public void AssertNoCertificateErrors()
    {
        foreach (var member in Members)
        {
            var x509 = member.LogLines.Where(l => l.Contains("x509", StringComparison.OrdinalIgnoreCase)).ToList();
            Assert.True(x509.Count == 0, $"{member.Name} logged x509 errors:\n{string.Join("\n", x509)}");
            var refused = member.TlsErrorLines.Where(l => !TeardownErrors.Any(l.Contains)).ToList();
            Assert.True(
                refused.Count == 0,
                $"{member.Name} refused connections:\n{string.Join("\n", refused)}\n== full log\n{member.Log}"
            );
        }
    }

    public string EncryptionAlgorithm { get; }

    public string Root => _root.Path;

    /// <summary>Holds etcd/ca.crt+key (made once), etcd/healthcheck-client and apiserver-etcd-client.</summary>
    public string SharedCertDir => _root.Combine("pki");

    public string EtcdCaCert => Path.Combine(SharedCertDir, "etcd", "ca.crt");

    public string AllEndpoints => string.Join(",", Members.Select(m => m.ClientUrl));

    public string InitialCluster => string.Join(",", Members.Select(m => $"{m.Name}={m.PeerUrl}"));

    /// <summary>The shared client pairs by kubeadm base name: <c>etcd/healthcheck-client</c>,
    /// <c>apiserver-etcd-client</c>.</summary>
    public EtcdClientCert SharedClient(string baseName) =>
        new(EtcdCaCert, Path.Combine(SharedCertDir, baseName + ".crt"), Path.Combine(SharedCertDir, baseName + ".key"));

    /// <summary>Makes the CA, the shared client certs and every member's server/peer certs. Nothing runs yet.</summary>
    public static EtcdCluster Create(TimeProvider clock, string encryptionAlgorithm = "ECDSA-P256", int size = 3)
    {
        var root = new TempDir("interop-etcd");
        var members = Enumerable
            .Range(1, size)
            .Select(i => new EtcdMember(i - 1, $"etcd-node-{i}", $"127.0.0.{i}", root.Combine($"member-{i}")))
            .ToList();
        var cluster = new EtcdCluster(root, encryptionAlgorithm, members);
        var shared = Kubepki.WriteConfig(root.Path, cluster.ConfigYaml("etcd-shared", "127.0.0.1"));
        Kubepki.Run(
            clock,
            "init",
            "phase",
            "certs",
            "etcd-ca",
            "--cert-dir",
            cluster.SharedCertDir,
            "--config",
            shared
        );
        Kubepki.Run(
            clock,
            "init",
            "phase",
            "certs",
            "etcd-healthcheck-client",
            "--cert-dir",
            cluster.SharedCertDir,
            "--config",
            shared
        );
        Kubepki.Run(
            clock,
            "init",
            "phase",
            "certs",
            "apiserver-etcd-client",
            "--cert-dir",
            cluster.SharedCertDir,
            "--config",
            shared
        );
        foreach (var member in members)
        {
            var etcdDir = Path.Combine(member.CertDir, "etcd");
            Directory.CreateDirectory(etcdDir);
            File.Copy(cluster.EtcdCaCert, Path.Combine(etcdDir, "ca.crt"));
            File.Copy(Path.Combine(cluster.SharedCertDir, "etcd", "ca.key"), Path.Combine(etcdDir, "ca.key"));
            File.SetUnixFileMode(Path.Combine(etcdDir, "ca.key"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.WriteAllText(member.ConfigPath, cluster.ConfigYaml(member.Name, member.Ip));
            cluster.IssueMemberCerts(clock, member, "etcd-server", "etcd-peer");
            Directory.CreateDirectory(
                member.DataDir,
                UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            );
        }
        return cluster;
    }

    /// <summary>kubeadm config for one member: its node name and advertise address (the member's loopback
    /// IP).</summary>
    public string ConfigYaml(string nodeName, string advertiseAddress) =>
        $"""
            apiVersion: kubeadm.k8s.io/v1beta4
            kind: InitConfiguration
            nodeRegistration:
              name: {nodeName}
            localAPIEndpoint:
              advertiseAddress: {advertiseAddress}
            ---
            apiVersion: kubeadm.k8s.io/v1beta4
            kind: ClusterConfiguration
            encryptionAlgorithm: {EncryptionAlgorithm}
            """;

    /// <summary>Runs <c>kubepki init phase certs &lt;phase&gt;</c> for the member (its cert dir and config); returns
    /// the output.</summary>
    public string IssueMemberCerts(TimeProvider clock, EtcdMember member, params string[] phases) =>
        string.Concat(
            phases.Select(phase =>
                Kubepki.Run(
                    clock,
                    "init",
                    "phase",
                    "certs",
                    phase,
                    "--cert-dir",
                    member.CertDir,
                    "--config",
                    member.ConfigPath
                )
            )
        );

    /// <summary>Starts every member and waits until all endpoints report healthy.</summary>
    public async Task StartAsync(TimeSpan? timeout = null)
    {
        foreach (var member in Members)
        {
            StartMember(member);
        }
        await WaitHealthyAsync(Members, timeout ?? TimeSpan.FromSeconds(30));
    }

    public void StartMember(EtcdMember member)
    {
        if (member.Running)
        {
            throw new InvalidOperationException($"{member.Name} is already running");
        }
        var etcd = Path.Combine(member.CertDir, "etcd");
        var info = new ProcessStartInfo("etcd")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = member.Dir,
        };
        foreach (
            var arg in new[]
            {
                "--name",
                member.Name,
                "--data-dir",
                member.DataDir,
                "--listen-client-urls",
                member.ClientUrl,
                "--advertise-client-urls",
                member.ClientUrl,
                "--listen-peer-urls",
                member.PeerUrl,
                "--initial-advertise-peer-urls",
                member.PeerUrl,
                "--listen-metrics-urls",
                $"http://{member.Ip}:{member.MetricsPort}",
                "--initial-cluster",
                InitialCluster,
                "--initial-cluster-state",
                "new",
                "--initial-cluster-token",
                _token,
                "--client-cert-auth",
                "--trusted-ca-file",
                Path.Combine(etcd, "ca.crt"),
                "--cert-file",
                Path.Combine(etcd, "server.crt"),
                "--key-file",
                Path.Combine(etcd, "server.key"),
                "--peer-client-cert-auth",
                "--peer-trusted-ca-file",
                Path.Combine(etcd, "ca.crt"),
                "--peer-cert-file",
                Path.Combine(etcd, "peer.crt"),
                "--peer-key-file",
                Path.Combine(etcd, "peer.key"),
                "--snapshot-count",
                "10000",
            }
        )
        {
            info.ArgumentList.Add(arg);
        }
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                member.LogLines.Enqueue(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                member.LogLines.Enqueue(e.Data);
            }
        };
        member.LogLines.Enqueue($"--- {member.Name}: starting etcd ---");
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        member.Process = process;
    }

    /// <summary>Stops a member: SIGTERM and a bounded wait (a member without quorum needs several seconds), then
    /// SIGKILL.
    /// Returns once the PID is gone, so its ports can be reused.</summary>
    public async Task StopMemberAsync(EtcdMember member, bool graceful = true, TimeSpan? gracePeriod = null)
    {
        if (member.Process is not { } process)
        {
            return;
        }
        if (!process.HasExited)
        {
            if (graceful)
            {
                _ = Kill(process.Id, SigTerm);
                await WaitForExitAsync(process, gracePeriod ?? TimeSpan.FromSeconds(15));
            }
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await WaitForExitAsync(process, TimeSpan.FromSeconds(10));
            }
        }
        if (!process.HasExited)
        {
            throw new TimeoutException($"etcd member {member.Name} (pid {process.Id}) did not exit");
        }
        process.WaitForExit(); // drains the output handlers
        member.LogLines.Enqueue($"--- {member.Name}: exited with {process.ExitCode} ---");
        process.Dispose();
        member.Process = null;
    }

    /// <summary>Stops the member, starts it again with the same data dir and waits for the whole cluster to be
    /// healthy.</summary>
    public async Task RestartMemberAsync(EtcdMember member, TimeSpan? timeout = null)
    {
        await StopMemberAsync(member);
        StartMember(member);
        await WaitHealthyAsync(Members.Where(m => m.Running), timeout ?? TimeSpan.FromSeconds(30));
    }

    /// <summary>Polls <c>etcdctl endpoint health</c> (healthcheck-client cert) on the members until all are
    /// healthy.</summary>
    public async Task WaitHealthyAsync(IEnumerable<EtcdMember> members, TimeSpan timeout)
    {
        var list = members.ToList();
        var deadline = DateTime.UtcNow + timeout;
        ExternalTool.Result? last = null;
        while (DateTime.UtcNow < deadline)
        {
            var dead = list.FirstOrDefault(m => !m.Running);
            if (dead is not null)
            {
                throw new InvalidOperationException($"etcd member {dead.Name} is not running:\n{dead.Log}");
            }
            last = Etcdctl(SharedClient("etcd/healthcheck-client"), list, "endpoint", "health");
            if (last.ExitCode == 0)
            {
                return;
            }
            await Task.Delay(250);
        }
        throw new TimeoutException(
            $"etcd members {string.Join(", ", list.Select(m => m.Name))} not healthy within {timeout}: {last?.All}\n"
                + string.Join("\n", list.Select(m => $"== {m.Name}\n{m.Log}"))
        );
    }

    /// <summary>Runs etcdctl (API v3) against the members' client URLs with the given CA/cert/key.</summary>
    public ExternalTool.Result Etcdctl(EtcdClientCert client, IEnumerable<EtcdMember> members, params string[] args) =>
        ExternalTool.Run(
            "etcdctl",
            [
                "--cacert",
                client.CaCert,
                "--cert",
                client.Cert,
                "--key",
                client.Key,
                "--endpoints",
                string.Join(",", members.Select(m => m.ClientUrl)),
                "--dial-timeout=2s",
                "--command-timeout=5s",
                .. args,
            ],
            environment: new Dictionary<string, string> { ["ETCDCTL_API"] = "3" },
            timeout: TimeSpan.FromSeconds(20)
        );

    public ExternalTool.Result Etcdctl(EtcdClientCert client, params string[] args) => Etcdctl(client, Members, args);

    public async ValueTask DisposeAsync()
    {
        var errors = new List<Exception>();
        foreach (var member in Members)
        {
            try
            {
                await StopMemberAsync(member, graceful: false);
            }
            catch (Exception e)
            {
                errors.Add(e);
            }
        }
        _root.Dispose();
        if (errors.Count > 0)
        {
            throw new AggregateException("etcd members did not stop", errors);
        }
    }

    private static async Task WaitForExitAsync(Process process, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException) { }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}

/// <summary>A CA file plus client cert/key pair for etcdctl.</summary>
public sealed record EtcdClientCert(string CaCert, string Cert, string Key);
