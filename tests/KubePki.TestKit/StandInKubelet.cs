using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using YamlDotNet.RepresentationModel;

namespace KubePki.TestKit;

/// <summary>What the stand-in kubelet did to a static pod, and when.</summary>
public sealed record PodEvent(DateTime At, string Pod, string What);

/// <summary>The part of the kubelet that runs static pods, for tests (there is no kubelet binary here): every
/// fileCheckFrequency it reads the manifests dir (files whose names start with a dot are ignored, as the kubelet's file
/// source does), starts the first container's command of each new pod as a process, stops it (SIGTERM, then SIGKILL)
/// when its manifest goes away or changes, and restarts a process that exited (restartPolicy: Always).</summary>
public sealed class StandInKubelet : IAsyncDisposable
{
    private const int SigTerm = 15;

    private readonly string _manifestsDir;
    private readonly TimeSpan _fileCheckFrequency;
    private readonly string _logDir;
    private readonly Dictionary<string, Pod> _pods = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<PodEvent> _events = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _looks;

    private sealed record Pod(string Name, string Hash, Process Process);

    public StandInKubelet(string manifestsDir, TimeSpan fileCheckFrequency, string logDir)
    {
        _manifestsDir = manifestsDir;
        _fileCheckFrequency = fileCheckFrequency;
        _logDir = logDir;
        Directory.CreateDirectory(logDir);
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>The command line that runs a stand-in (kube-apiserver, kube-controller-manager,
    /// kube-scheduler).</summary>
    public static IReadOnlyList<string> StandInCommand(string component) =>
        ["dotnet", Path.Combine(AppContext.BaseDirectory, "KubePki.StandIns.dll"), component];

    public IReadOnlyList<PodEvent> Events => _events.ToList();

    /// <summary>Returns once the kubelet has looked at the manifests dir from start to end after this call (the look
    /// under way when it is called may have read the dir before): anything changed in the dir before the call has then
    /// been acted on, so an empty <see cref="Events"/> proves the kubelet had nothing to do, however slow the
    /// machine.</summary>
    public async Task LookedAgainAsync()
    {
        var target = Volatile.Read(ref _looks) + 2;
        while (Volatile.Read(ref _looks) < target)
        {
            if (_loop.IsCompleted)
            {
                throw new InvalidOperationException("the stand-in kubelet has stopped");
            }
            await Task.Delay(10);
        }
    }

    public string LogOf(string pod)
    {
        var path = Path.Combine(_logDir, pod + ".log");
        lock (_pods)
        {
            return File.Exists(path) ? File.ReadAllText(path) : "";
        }
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                Sync();
                Interlocked.Increment(ref _looks);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A manifest being renamed away mid-read: the next look sees the settled state.
            }
            try
            {
                await Task.Delay(_fileCheckFrequency, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void Sync()
    {
        var seen = new Dictionary<string, (string Hash, string Path)>(StringComparer.Ordinal);
        foreach (var path in Directory.Exists(_manifestsDir) ? Directory.GetFiles(_manifestsDir) : [])
        {
            if (Path.GetFileName(path).StartsWith('.'))
            {
                continue;
            }
            var bytes = File.ReadAllBytes(path);
            seen[path] = (Convert.ToHexString(SHA256.HashData(bytes)), path);
        }
        foreach (var (path, pod) in _pods.ToList())
        {
            if (!seen.TryGetValue(path, out var now) || now.Hash != pod.Hash)
            {
                Stop(pod);
                _pods.Remove(path);
            }
            else if (pod.Process.HasExited)
            {
                _events.Enqueue(new PodEvent(DateTime.UtcNow, pod.Name, $"exited {pod.Process.ExitCode}"));
                _pods.Remove(path);
            }
        }
        foreach (var (path, (hash, _)) in seen)
        {
            if (!_pods.ContainsKey(path) && Start(path, hash) is { } pod)
            {
                _pods[path] = pod;
            }
        }
    }

    private Pod? Start(string path, string hash)
    {
        var (name, command) = Read(path);
        if (name is null || command.Count == 0)
        {
            return null;
        }
        var info = new ProcessStartInfo(command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var arg in command.Skip(1))
        {
            info.ArgumentList.Add(arg);
        }
        var log = Path.Combine(_logDir, name + ".log");
        var process = new Process { StartInfo = info };
        DataReceivedEventHandler append = (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_pods)
                {
                    File.AppendAllText(log, e.Data + "\n");
                }
            }
        };
        process.OutputDataReceived += append;
        process.ErrorDataReceived += append;
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _events.Enqueue(new PodEvent(DateTime.UtcNow, name, "started"));
        return new Pod(name, hash, process);
    }

    private void Stop(Pod pod)
    {
        if (!pod.Process.HasExited)
        {
            _ = Kill(pod.Process.Id, SigTerm);
            if (!pod.Process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                pod.Process.Kill(entireProcessTree: true);
                pod.Process.WaitForExit();
            }
        }
        pod.Process.Dispose();
        _events.Enqueue(new PodEvent(DateTime.UtcNow, pod.Name, "stopped"));
    }

    private static (string? Name, IReadOnlyList<string> Command) Read(string path)
    {
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(File.ReadAllText(path)));
            var root = (YamlMappingNode)stream.Documents[0].RootNode;
            var name = ((YamlScalarNode)((YamlMappingNode)root["metadata"])["name"]).Value;
            var container = (YamlMappingNode)((YamlSequenceNode)((YamlMappingNode)root["spec"])["containers"])[0];
            var command = new List<string>();
            foreach (var key in new[] { "command", "args" })
            {
                if (container.Children.TryGetValue(new YamlScalarNode(key), out var list))
                {
                    command.AddRange(((YamlSequenceNode)list).Children.Select(n => ((YamlScalarNode)n).Value ?? ""));
                }
            }
            return (name, command);
        }
        catch (Exception e)
            when (e
                    is YamlDotNet.Core.YamlException
                        or InvalidCastException
                        or KeyNotFoundException
                        or ArgumentOutOfRangeException
            )
        {
            return (null, []); // the kubelet logs and skips a manifest it cannot decode
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException) { }
        foreach (var pod in _pods.Values)
        {
            Stop(pod);
        }
        _pods.Clear();
        _stop.Dispose();
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
