using System.Diagnostics;

namespace KubePki.Interop.Tests.Support;

/// <summary>A real Prometheus for a test: started on a loopback port with the given config and its own TSDB dir,
/// returned once /-/ready answers; disposing kills it (and anything it started).</summary>
internal sealed class PrometheusServer : IAsyncDisposable
{
    private readonly Process _process;

    private PrometheusServer(Process process, string api)
    {
        _process = process;
        Api = api;
    }

    /// <summary>The HTTP API's base URL, e.g. http://127.0.0.1:9090.</summary>
    public string Api { get; }

    public static async Task<PrometheusServer> StartAsync(string configFile, string tsdbDir, int port, HttpClient http)
    {
        var info = new ProcessStartInfo("prometheus")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList =
            {
                $"--config.file={configFile}",
                $"--storage.tsdb.path={tsdbDir}",
                $"--web.listen-address=127.0.0.1:{port}",
                "--log.level=warn",
            },
        };
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new PrometheusServer(process, $"http://127.0.0.1:{port}");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                if ((await http.GetAsync($"{server.Api}/-/ready")).IsSuccessStatusCode)
                {
                    return server;
                }
            }
            catch (HttpRequestException) { }
            if (process.HasExited || DateTime.UtcNow >= deadline)
            {
                var why = process.HasExited ? $"exited with {process.ExitCode}" : "did not become ready";
                await server.DisposeAsync();
                Assert.Fail($"prometheus {why}");
            }
            await Task.Delay(200);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
