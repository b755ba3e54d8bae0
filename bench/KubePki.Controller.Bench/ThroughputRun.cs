using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s.Models;
using KubePki.Building;
using KubePki.Controller.Signing;
using KubePki.Controller.Tests.Api;
using KubePki.Controller.Tests.Support;

namespace KubePki.Controller.Bench;

/// <summary>One pass: N kubelets (N Nodes, N ECDSA serving CSRs, prepared beforehand) submit at once through the test
/// API server's create path (requester = system:node:&lt;name&gt;, as the authenticated kubelet); the controller
/// approves and signs them over HTTPS with the cluster's RSA-2048 CA. Creation→issued is taken from the server's
/// own event stream. The controller is the real <c>kubepki controller</c> command in a process of its own, so its
/// CPU time and peak RSS are its own; the test API server and the bench share this process.</summary>
public sealed record ThroughputResult(
    int Count,
    TimeSpan Total,
    TimeSpan P50,
    TimeSpan P99,
    TimeSpan ControllerCpuPerCsr,
    TimeSpan ServerCpuPerCsr,
    double ControllerPeakRssMiB,
    double ServerPeakRssMiB,
    TimeSpan CreateAll,
    double ControllerRssBeforeMiB
);

public static class ThroughputRun
{
    public static async Task<ThroughputResult> RunAsync(int count, int workers)
    {
        await using var cluster = await TestCluster.StartAsync();
        var requests = new (string Node, byte[] Pem)[count];
        Parallel.For(
            0,
            count,
            i =>
            {
                var node = $"bench-{i:D5}";
                using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
                var request = new CertificateRequest(
                    SubjectName.Create($"system:node:{node}", ["system:nodes"]),
                    key,
                    HashAlgorithmName.SHA256
                );
                var san = new SubjectAlternativeNameBuilder();
                san.AddDnsName(node);
                san.AddIpAddress(Ip(i));
                request.CertificateExtensions.Add(san.Build());
                requests[i] = (node, Encoding.ASCII.GetBytes(request.CreateSigningRequestPem()));
            }
        );
        for (var i = 0; i < count; i++)
        {
            cluster.Server.Store.AddNode(
                requests[i].Node,
                ("InternalIP", Ip(i).ToString()),
                ("Hostname", requests[i].Node)
            );
        }
        var created = new ConcurrentDictionary<string, long>();
        var issued = new ConcurrentDictionary<string, long>();
        var watch = cluster.Server.Store.Csrs.Watch(null, cluster.Server.Store.ResourceVersion, _ => true)!.Value;
        var collector = Task.Run(async () =>
        {
            await foreach (var e in watch.Live.ReadAllAsync())
            {
                if (e.Type == "MODIFIED" && e.ObjectJson.AsSpan().IndexOf("\"certificate\":"u8) >= 0)
                {
                    issued.TryAdd(e.Key, Stopwatch.GetTimestamp());
                    if (issued.Count == count)
                    {
                        return;
                    }
                }
            }
        });
        using var controller = StartController(cluster, workers);
        try
        {
            await WatchesOpenAsync(cluster, controller);
            var controllerCpu0 = CpuTime(controller.Id);
            var rssBefore = PeakRssMiB(controller.Id);
            Console.WriteLine($"controller peak RSS before the burst: {rssBefore:F0} MiB");
            var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            var start = Stopwatch.GetTimestamp();
            // Kubelets submit concurrently: one creating thread per core (the store serializes only its commit).
            Parallel.ForEach(
                requests,
                new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
                request =>
                {
                    var (node, pem) = request;
                    var csr = new V1CertificateSigningRequest
                    {
                        ApiVersion = "certificates.k8s.io/v1",
                        Kind = "CertificateSigningRequest",
                        Metadata = new V1ObjectMeta { Name = $"csr-{node}" },
                        Spec = new V1CertificateSigningRequestSpec
                        {
                            Request = pem,
                            SignerName = SignerNames.KubeletServing,
                            Usages = ["digital signature", "server auth"],
                        },
                    };
                    CsrStrategy.PrepareForCreate(
                        csr,
                        new ApiUser($"system:node:{node}", ["system:nodes", "system:authenticated"])
                    );
                    CsrStrategy.ValidateCreate(csr);
                    created[csr.Metadata.Name] = Stopwatch.GetTimestamp();
                    cluster.Server.Store.Csrs.CreateJson(csr, TimeProvider.System);
                }
            );
            var createAll = Stopwatch.GetElapsedTime(start);
            Console.WriteLine(
                $"all {count} created after {createAll.TotalSeconds:F2} s; issued so far: {issued.Count}"
            );
            if (await Task.WhenAny(collector, Task.Delay(TimeSpan.FromMinutes(10))) != collector)
            {
                throw new TimeoutException($"only {issued.Count} of {count} CSRs issued after 10 minutes");
            }
            var end = issued.Values.Max();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu0;
            var controllerCpu = CpuTime(controller.Id) - controllerCpu0;
            var controllerRss = PeakRssMiB(controller.Id);
            Console.WriteLine($"controller retries logged: {Retries}");
            controller.Kill();
            await controller.WaitForExitAsync();
            watch.Stop();
            var latencies = created.Select(p => Stopwatch.GetElapsedTime(p.Value, issued[p.Key])).Order().ToList();
            return new ThroughputResult(
                count,
                Stopwatch.GetElapsedTime(start, end),
                Percentile(latencies, 0.50),
                Percentile(latencies, 0.99),
                controllerCpu / count,
                cpu / count,
                controllerRss,
                PeakRssMiB(Environment.ProcessId),
                createAll,
                rssBefore
            );
        }
        finally
        {
            if (!controller.HasExited)
            {
                controller.Kill();
            }
        }
    }

    /// <summary>The kubepki program the runs start as the controller: KUBEPKI_BIN when set (as the test suites
    /// take it; e.g. the NativeAOT binary scripts/publish.sh writes), else the CLI built with this bench.</summary>
    public static string Controller { get; } =
        Environment.GetEnvironmentVariable("KUBEPKI_BIN") is { Length: > 0 } path
            ? File.Exists(path)
                ? Path.GetFullPath(path)
                : throw new FileNotFoundException($"KUBEPKI_BIN={path} does not exist")
            : CliBinary();

    // The CLI's own build output (built with this bench, same configuration): copied next to the bench it would
    // resolve its packages against the bench's ASP.NET Core framework and not start.
    private static string CliBinary()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !Directory.Exists(Path.Combine(dir.FullName, "src", "KubePki.Cli")))
        {
            dir = dir.Parent;
        }
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
        var (configuration, framework) = (output.Parent!.Name, output.Name);
        return dir is null
            ? throw new InvalidOperationException("cannot find the repository's src/KubePki.Cli")
            : Path.Combine(dir.FullName, "src", "KubePki.Cli", "bin", configuration, framework, "kubepki");
    }

    // The kubepki CLI as built with this bench (the same program the tool and image ship, on the JIT), with the
    // kube-controller-manager style flags a kubeadm cluster would give it. Its log goes to a discarded pipe.
    private static Process StartController(TestCluster cluster, int workers)
    {
        var start = new ProcessStartInfo(Controller)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (
            var arg in (string[])
                [
                    "controller",
                    "--kubeconfig",
                    cluster.AdminConf,
                    "--cluster-signing-cert-file",
                    cluster.CaCertFile,
                    "--cluster-signing-key-file",
                    cluster.CaKeyFile,
                    "--approve-kubelet-serving",
                    "--workers",
                    workers.ToString(CultureInfo.InvariantCulture),
                    "--resync-period",
                    "10m",
                    "--leader-elect=false",
                    "--metrics-bind-address",
                    "0",
                ]
        )
        {
            start.ArgumentList.Add(arg);
        }
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    // The controller's last log lines, for an error message.
    private static readonly ConcurrentQueue<string> LastLines = new();
    private static int Retries;

    private static void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }
        if (line.Contains("retrying", StringComparison.Ordinal) && Interlocked.Increment(ref Retries) <= 3)
        {
            Console.WriteLine($"controller: {line}");
        }
        LastLines.Enqueue(line);
        while (LastLines.Count > 20)
        {
            LastLines.TryDequeue(out _);
        }
    }

    // The controller has listed and is watching both CSRs and Nodes.
    private static async Task WatchesOpenAsync(TestCluster cluster, Process controller)
    {
        var deadline = Stopwatch.GetTimestamp();
        while (
            !(
                cluster.Server.RequestLog.Any(r => r.Contains("certificatesigningrequests?watch=true"))
                && cluster.Server.RequestLog.Any(r => r.Contains("nodes?watch=true"))
            )
        )
        {
            if (controller.HasExited || Stopwatch.GetElapsedTime(deadline) > TimeSpan.FromMinutes(3))
            {
                throw new InvalidOperationException(
                    $"the controller did not start watching:\n{string.Join('\n', LastLines)}"
                );
            }
            await Task.Delay(100);
        }
        await Task.Delay(500);
    }

    // utime + stime of /proc/PID/stat, in clock ticks of 10 ms.
    private static TimeSpan CpuTime(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks =
            long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromMilliseconds(ticks * 10);
    }

    // VmHWM: the process's peak resident set size.
    public static double PeakRssMiB(int pid)
    {
        var line = File.ReadAllLines($"/proc/{pid}/status")
            .First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        var kib = line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        return long.Parse(kib, CultureInfo.InvariantCulture) / 1024.0;
    }

    // 10.20.0.1 upwards, 250 addresses per /24, enough for 100,000 nodes and more.
    private static IPAddress Ip(int i) =>
        new([10, (byte)(20 + i / 62_500), (byte)(i / 250 % 250), (byte)(i % 250 + 1)]);

    private static TimeSpan Percentile(List<TimeSpan> sorted, double p) =>
        sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
}
