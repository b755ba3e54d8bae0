using System.CommandLine;
using KubePki.Cli.Commands.Controller;
using KubePki.Cli.Commands.Csr;

namespace KubePki.Cli.Commands.Kubelet;

/// <summary><c>kubepki kubelet enable-serving-bootstrap</c>: sets <c>serverTLSBootstrap: true</c> (and
/// <c>rotateCertificates: true</c>) in a node's kubelet config file, or with --kubeconfig in the cluster-wide
/// kubelet-config ConfigMap that kubeadm hands to joining nodes. Idempotent; restarting the kubelet stays with the user.</summary>
public static class EnableServingBootstrapCommand
{
    public const string DefaultKubeletConfig = "/var/lib/kubelet/config.yaml";

    public static Command Create(CliEnvironment env)
    {
        var file = new Option<string?>("--kubelet-config") { Description = $"Path to the kubelet's config file (default \"{DefaultKubeletConfig}\")." };
        var kubeconfig = new Option<string?>("--kubeconfig") { Description = "Edit the kubelet key of ConfigMap kube-system/kubelet-config (or kubelet-config-<version>) through this kubeconfig instead of a file." };
        var command = new Command("enable-serving-bootstrap",
            "Set serverTLSBootstrap: true (keeping rotateCertificates: true) so the kubelet requests its serving certificate from the cluster CA through the certificates API");
        command.Options.Add(file);
        command.Options.Add(kubeconfig);
        command.SetAction((result, cancellationToken) => ApiCommandGuard.RunAsync(env, async () =>
        {
            if (result.GetValue(kubeconfig) is { } path)
            {
                if (result.GetValue(file) is not null)
                {
                    throw new KubePkiException("--kubelet-config and --kubeconfig are mutually exclusive");
                }
                var client = KubeClientFactory.Create(path);
                await new KubeletConfigMapEditor(client, env.Out).EnableAsync(cancellationToken);
                return 0;
            }
            new KubeletConfigFileEditor(env.Out, env.Time).Enable(result.GetValue(file) ?? DefaultKubeletConfig);
            return 0;
        }));
        return command;
    }
}
