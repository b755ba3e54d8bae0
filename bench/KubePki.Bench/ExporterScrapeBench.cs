using System.Diagnostics;
using KubePki.Model;
using KubePki.Monitoring;

namespace KubePki.Bench;

/// <summary>Group 4: one exporter scrape (collect + render the /metrics text) of a full kubeadm tree plus the
/// kubelet's two certificates, in process, after a first scrape has parsed everything, as on a running exporter:
/// every later scrape reads each file again and re-parses only changed ones. Target: p50 ≤ 5 ms.</summary>
public static class ExporterScrapeBench
{
    private const int Scrapes = 500;
    private const int CertificateSeries = 22;

    public static void Measure(BenchRun bench)
    {
        bench.Notes.Add($"- Load average when the exporter scrapes started: {Layout.LoadAverage()}");
        var d = bench.Fresh();
        Run.InProcess(bench.InitArgs(KeyAlgorithm.Rsa2048, d));
        var kubelet = Path.Combine(Path.GetDirectoryName(d.Pki)!, "kubelet");
        var scrape = Scrape(d.Pki, d.Kubeconfig, kubelet);
        BenchRun.Drop(d);
        Console.WriteLine($"  exporter scrape: {scrape.Spread} ms");
        var met = scrape.Median <= 0.005 ? "≤ 5 ms p50 ✔ met" : "≤ 5 ms p50 ✘ missed";
        bench.Rows.Add(
            "| `kubepki exporter` scrape (collect + render /metrics) of the full kubeadm PKI "
                + $"+ 5 kubeconfigs + 2 kubelet certs ({CertificateSeries} certificate series, 14 kubeadm rows), "
                + $"in process, {scrape.Count} scrapes | {scrape.Spread} |  |  |  | {met} |"
        );
    }

    private static Samples Scrape(string certDir, string kubeconfigDir, string kubeletDir)
    {
        Directory.CreateDirectory(kubeletDir);
        File.WriteAllText(
            Path.Combine(kubeletDir, "kubelet-client-current.pem"),
            File.ReadAllText(Path.Combine(certDir, "apiserver-kubelet-client.crt"))
                + File.ReadAllText(Path.Combine(certDir, "apiserver-kubelet-client.key"))
        );
        File.Copy(
            Path.Combine(certDir, "front-proxy-ca.crt"),
            Path.Combine(kubeletDir, "kubelet.crt"),
            overwrite: true
        );
        var sources = new ExporterSources
        {
            CertDir = certDir,
            KubeconfigDir = kubeconfigDir,
            KubeletDir = kubeletDir,
        };
        var exporter = new CertificateExporter(
            sources.Create(new FileContentCache(), null),
            new ExporterOptions(),
            TimeProvider.System
        );
        var first = exporter.Render();
        var series = first.Split('\n').Count(l => l.StartsWith("x509_cert_not_after{", StringComparison.Ordinal));
        if (series != CertificateSeries || !first.Contains("x509_read_errors 0\n", StringComparison.Ordinal))
        {
            throw new InvalidOperationException(
                $"exporter scrape: expected {CertificateSeries} certificate series "
                    + $"and no read errors, got {series}:\n{first}"
            );
        }
        var samples = new Samples("exporter scrape");
        for (var i = 0; i < Scrapes; i++)
        {
            var watch = Stopwatch.StartNew();
            var text = exporter.Render();
            watch.Stop();
            samples.Add(watch.Elapsed);
            if (text.Length != first.Length)
            {
                throw new InvalidOperationException("exporter scrape output changed between scrapes");
            }
        }
        return samples;
    }
}
