using System.Collections.Concurrent;
using System.Diagnostics;
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
/// own event stream.</summary>
public sealed record ThroughputResult(int Count, TimeSpan Total, TimeSpan P50, TimeSpan P99, TimeSpan CpuPerCsr);

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
        var options = RunningController.Options(cluster) with
        {
            Signers = new Dictionary<string, ISigningAuthoritySource>
            {
                [SignerNames.KubeletServing] = new FixedAuthoritySource(cluster.Ca),
            },
            Workers = workers,
            ResyncPeriod = TimeSpan.FromMinutes(10),
        };
        var created = new ConcurrentDictionary<string, long>();
        var issued = new ConcurrentDictionary<string, long>();
        var watch = cluster.Server.Store.Csrs.Watch(null, cluster.Server.Store.ResourceVersion, _ => true)!.Value;
        var collector = Task.Run(async () =>
        {
            await foreach (var e in watch.Live.ReadAllAsync())
            {
                if (e.Type == "MODIFIED" && e.ObjectJson.Contains("\"certificate\":", StringComparison.Ordinal))
                {
                    issued.TryAdd(e.Key, Stopwatch.GetTimestamp());
                    if (issued.Count == count)
                    {
                        return;
                    }
                }
            }
        });
        await using var controller = RunningController.Start(cluster.Admin(), options);
        await Task.Delay(500); // list + watch established before the burst

        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var start = Stopwatch.GetTimestamp();
        foreach (var (node, pem) in requests)
        {
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
            cluster.Server.Store.Csrs.Create(csr, TimeProvider.System);
        }
        if (await Task.WhenAny(collector, Task.Delay(TimeSpan.FromMinutes(5))) != collector)
        {
            throw new TimeoutException($"only {issued.Count} of {count} CSRs issued after 5 minutes");
        }
        var end = issued.Values.Max();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu0;
        watch.Stop();
        await controller.StopAsync();
        var latencies = created.Select(p => Stopwatch.GetElapsedTime(p.Value, issued[p.Key])).Order().ToList();
        return new ThroughputResult(
            count,
            Stopwatch.GetElapsedTime(start, end),
            Percentile(latencies, 0.50),
            Percentile(latencies, 0.99),
            cpu / count
        );
    }

    private static IPAddress Ip(int i) => new([10, 20, (byte)(i / 250), (byte)(i % 250 + 1)]);

    private static TimeSpan Percentile(List<TimeSpan> sorted, double p) =>
        sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
}
