using KubePki.Cluster;
using KubePki.TestKit;

namespace KubePki.Tests.Cluster;

/// <summary>The admin kubeconfig that `certs renew` and `ca rotate` read to reach the API goes through the safe
/// reader: a FIFO there is refused at once, not read until a writer comes (which would hang the command).</summary>
public sealed class AdminKubeconfigReadTests
{
    [Fact]
    public async Task A_fifo_as_the_kubeconfig_is_refused_at_once()
    {
        using var dir = new TempDir();
        var fifo = Path.Combine(dir.Path, "admin.conf");
        Assert.Equal(0, ExternalTool.Run("mkfifo", [fifo]).ExitCode);
        var read = Task.Run(() =>
        {
            var client = KubeadmConfigMapClient.FromKubeconfig(fifo, TimeSpan.FromSeconds(1), out var problem);
            return (client, problem);
        });
        if (await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(10))) != read)
        {
            // Release the blocked reader so no thread is left stuck, then fail.
            await using (new FileStream(fifo, FileMode.Open, FileAccess.Write)) { }
            await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(10)));
            Assert.Fail("reading a FIFO kubeconfig blocked");
        }
        var (client, problem) = await read;
        Assert.Null(client);
        Assert.Contains("not a regular file", problem);
    }
}
