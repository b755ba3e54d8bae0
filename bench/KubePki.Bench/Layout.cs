using KubePki.Model;

namespace KubePki.Bench;

/// <summary>Paths, temp trees and the checks that the contenders make the same set of files.</summary>
public static class Layout
{
    /// <summary>The repository's bench/ directory, found upwards from the benchmark's binaries.</summary>
    public static string FindBenchDir()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "bench", "openssl-pki.sh")))
                {
                    return Path.Combine(dir.FullName, "bench");
                }
            }
        }
        throw new InvalidOperationException(
            "bench/openssl-pki.sh not found above the benchmark or the current directory"
        );
    }

    public static void Delete(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>Copies a cert dir + kubeconfig dir pair into <paramref name="target"/> (File.Copy keeps the
    /// modes).</summary>
    public static (string Pki, string Kubeconfig) CopyOf(
        (string Pki, string Kubeconfig) source,
        (string Pki, string Kubeconfig) target
    )
    {
        CopyTree(source.Pki, target.Pki);
        CopyTree(source.Kubeconfig, target.Kubeconfig);
        return target;
    }

    private static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
        foreach (var dir in Directory.EnumerateDirectories(from))
        {
            CopyTree(dir, Path.Combine(to, Path.GetFileName(dir)));
        }
    }

    public static int CountRenewed(string output) =>
        output.Split('\n').Count(l => l.TrimEnd().EndsWith(" renewed", StringComparison.Ordinal));

    /// <summary>Fails the benchmark unless kubepki and the openssl script made the same files with the same key PEM
    /// types.</summary>
    public static void CheckSameSet(
        (string Pki, string Kubeconfig) kubepki,
        (string Pki, string Kubeconfig) script,
        KeyAlgorithm algorithm
    )
    {
        var ours = Files(kubepki);
        var theirs = Files(script);
        if (!ours.SequenceEqual(theirs))
        {
            throw new InvalidOperationException(
                $"kubepki and openssl-pki.sh made different files ({algorithm.ToKubeadmName()}): kubepki only "
                    + $"[{string.Join(", ", ours.Except(theirs))}], script only "
                    + $"[{string.Join(", ", theirs.Except(ours))}]"
            );
        }
        foreach (var key in ours.Where(f => f.EndsWith(".key", StringComparison.Ordinal)))
        {
            var a = File.ReadLines(Path.Combine(kubepki.Pki, key)).First();
            var b = File.ReadLines(Path.Combine(script.Pki, key)).First();
            if (a != b)
            {
                throw new InvalidOperationException($"{key}: kubepki writes \"{a}\", openssl-pki.sh writes \"{b}\"");
            }
        }
    }

    private static List<string> Files((string Pki, string Kubeconfig) dirs) =>
        Directory
            .EnumerateFiles(dirs.Pki, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(dirs.Pki, f))
            .Concat(
                Directory
                    .EnumerateFiles(dirs.Kubeconfig, "*", SearchOption.AllDirectories)
                    .Select(f => "kubeconfig:" + Path.GetRelativePath(dirs.Kubeconfig, f))
            )
            .Order(StringComparer.Ordinal)
            .ToList();

    public static string LoadAverage()
    {
        try
        {
            var parts = File.ReadAllText("/proc/loadavg").Split(' ');
            return $"{parts[0]} {parts[1]} {parts[2]}";
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    public static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo")
                .FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line is null ? "unknown CPU" : line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException)
        {
            return "unknown CPU";
        }
    }
}
