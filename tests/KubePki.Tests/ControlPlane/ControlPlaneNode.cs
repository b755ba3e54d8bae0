using KubePki.ControlPlane;
using KubePki.TestKit;

namespace KubePki.Tests.ControlPlane;

/// <summary>A node directory with kubeadm's four manifests (probes on ports nothing listens on) and a kubelet
/// config.</summary>
public sealed class ControlPlaneNode : IDisposable
{
    private readonly TempDir _dir = new("control-plane-node");

    public ControlPlaneNode(string fileCheckFrequency = "100ms")
    {
        Directory.CreateDirectory(ManifestsDir);
        foreach (var component in ControlPlaneComponent.InUpgradeOrder)
        {
            File.WriteAllText(Path.Combine(ManifestsDir, component.ManifestFileName), Manifest(component.Name, 1));
        }
        File.WriteAllText(
            KubeletConfig,
            $"apiVersion: kubelet.config.k8s.io/v1beta1\nkind: "
                + $"KubeletConfiguration\nstaticPodPath: {ManifestsDir}\nfileCheckFrequency: {fileCheckFrequency}\n"
        );
    }

    public string Root => _dir.Path;

    public string KubeconfigDir => _dir.Combine("kubernetes");

    public string ManifestsDir => _dir.Combine("kubernetes", "manifests");

    public string TmpDir => _dir.Combine("kubernetes", "tmp");

    public string KubeletConfig => _dir.Combine("kubelet-config.yaml");

    public string[] Flags => ["--kubeconfig-dir", KubeconfigDir, "--kubelet-config", KubeletConfig];

    public static string Manifest(string name, int port) =>
        $"""
            apiVersion: v1
            kind: Pod
            metadata:
              name: {name}
              namespace: kube-system
            spec:
              containers:
              - command:
                - {name}
                - --secure-port={port}
                name: {name}
                ports:
                - containerPort: {port}
                  name: probe-port
                livenessProbe:
                  httpGet:
                    host: 127.0.0.1
                    path: /healthz
                    port: probe-port
                    scheme: HTTPS
              hostNetwork: true

            """;

    /// <summary>Every path under the node directory with its content, to prove a command changed nothing.</summary>
    public IReadOnlyDictionary<string, string> Snapshot() =>
        Directory
            .GetFileSystemEntries(Root, "*", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .ToDictionary(p => p, p => File.Exists(p) ? File.ReadAllText(p) : "<dir>");

    public void Dispose() => _dir.Dispose();
}
