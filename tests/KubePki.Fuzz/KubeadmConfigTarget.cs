using System.Text;
using KubePki.Configuration;

namespace KubePki.Fuzz;

/// <summary>The kubeadm config loader (<c>--config</c>). Contract: any text either loads into a
/// <see cref="ClusterConfig"/> or is rejected with a <see cref="KubePkiException"/>; no other
/// exception, no stack overflow, no runaway time or memory (alias bombs).</summary>
public static class KubeadmConfigTarget
{
    public const string Name = "kubeadm-config";

    public static void Run(byte[] input)
    {
        var text = Encoding.UTF8.GetString(input);
        try
        {
            var config = KubeadmConfigLoader.Load(text, "kubeadm.yaml", new ClusterConfig(), []);
            if (config is null)
            {
                throw new ContractViolation("Load returned null");
            }
        }
        catch (KubePkiException)
        {
            // The documented rejection of bad input.
        }
    }
}
