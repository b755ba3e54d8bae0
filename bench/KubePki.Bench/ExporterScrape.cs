using System.Diagnostics;
using KubePki.Monitoring;

namespace KubePki.Bench;

/// <summary>One exporter scrape (collect + render /metrics text) of a full kubeadm tree plus the kubelet's two
/// certificates, in process, after a first scrape has parsed everything (as on a running exporter: every later
/// scrape re-reads each file and re-parses only changed ones).</summary>
public static class ExporterScrape
{
    public static Samples Measure(string certDir, string kubeconfigDir, string kubeletDir, int scrapes)
    {
        Directory.CreateDirectory(kubeletDir);
        File.WriteAllText(Path.Combine(kubeletDir, "kubelet-client-current.pem"),
            File.ReadAllText(Path.Combine(certDir, "apiserver-kubelet-client.crt")) + File.ReadAllText(Path.Combine(certDir, "apiserver-kubelet-client.key")));
        File.Copy(Path.Combine(certDir, "front-proxy-ca.crt"), Path.Combine(kubeletDir, "kubelet.crt"), overwrite: true);
        var sources = new ExporterSources { CertDir = certDir, KubeconfigDir = kubeconfigDir, KubeletDir = kubeletDir };
        var exporter = new CertificateExporter(sources.Create(new FileContentCache(), null), new ExporterOptions(), TimeProvider.System);
        var first = exporter.Render();
        var series = first.Split('\n').Count(l => l.StartsWith("x509_cert_not_after{", StringComparison.Ordinal));
        if (series != 22 || !first.Contains("x509_read_errors 0\n", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"exporter scrape: expected 22 certificate series and no read errors, got {series}:\n{first}");
        }
        var samples = new Samples("exporter scrape");
        for (var i = 0; i < scrapes; i++)
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
