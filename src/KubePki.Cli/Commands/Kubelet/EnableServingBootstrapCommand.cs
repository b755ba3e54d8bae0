using System.CommandLine;
using KubePki.Cli.Commands.Controller;
using KubePki.Controller.Kubelet;
using KubePki.Kubelet;
using KubePki.Storage;

namespace KubePki.Cli.Commands.Kubelet;

/// <summary><c>kubepki kubelet enable-serving-bootstrap</c>: sets <c>serverTLSBootstrap: true</c> (and
/// <c>rotateCertificates: true</c>) in a node's kubelet config file, or with --kubeconfig in the cluster-wide
/// kubelet-config ConfigMap that kubeadm hands to joining nodes. Idempotent; restarting the kubelet stays with the
/// user.</summary>
public static class EnableServingBootstrapCommand
{
    public const string DefaultKubeletConfig = "/var/lib/kubelet/config.yaml";

    public static Command Create(CliEnvironment env)
    {
        var file = new Option<string?>("--kubelet-config")
        {
            Description = $"Path to the kubelet's config file (default \"{DefaultKubeletConfig}\").",
        };
        var kubeconfig = new Option<string?>("--kubeconfig")
        {
            Description =
                "Edit the kubelet key of ConfigMap kube-system/kubelet-config (or kubelet-config-<version>) through "
                + "this kubeconfig instead of a file.",
        };
        var command = new Command(
            "enable-serving-bootstrap",
            "Set serverTLSBootstrap: true (keeping rotateCertificates: true) so the kubelet requests its serving "
                + "certificate from the cluster CA through the certificates API"
        );
        command.Options.Add(file);
        command.Options.Add(kubeconfig);
        command.SetAction(
            (result, cancellationToken) =>
                CommandGuard.RunAsync(
                    env,
                    async () =>
                    {
                        if (result.GetValue(kubeconfig) is { } path)
                        {
                            if (result.GetValue(file) is not null)
                            {
                                throw new KubePkiException("--kubelet-config and --kubeconfig are mutually exclusive");
                            }
                            var client = KubeClientFactory.Create(path);
                            Render(env.Out, await new KubeletConfigMapEditor(client).EnableAsync(cancellationToken));
                            return 0;
                        }
                        var configPath = result.GetValue(file) ?? DefaultKubeletConfig;
                        Render(
                            env.Out,
                            new KubeletConfigFileEditor(DiskFileStore.Instance, env.Time).Enable(configPath)
                        );
                        return 0;
                    }
                )
        );
        return command;
    }

    private static void Render(TextWriter output, KubeletConfigFileEditor.Result result)
    {
        var path = result.Path;
        if (result.Backup is not { } backup)
        {
            output.WriteLine(
                $"[kubelet] {path} already has serverTLSBootstrap: true and rotateCertificates: true; nothing changed"
            );
            return;
        }
        output.WriteLine($"[kubelet] backed up {path} to {backup}");
        foreach (var change in result.Edit.Changes)
        {
            output.WriteLine($"[kubelet] {path}: {change}");
        }
        output.WriteLine(
            "[kubelet] the kubelet reads its config only at start; restart it to request a serving certificate:"
        );
        output.WriteLine("\tsystemctl restart kubelet");
        output.WriteLine(
            "[kubelet] its CSR (signer kubernetes.io/kubelet-serving) then waits for approval: "
                + "see 'kubepki csr check' or run 'kubepki controller --approve-kubelet-serving'"
        );
    }

    private static void Render(TextWriter output, KubeletConfigMapEditor.Result result)
    {
        var name = result.Name;
        if (!result.Edit.Changed)
        {
            output.WriteLine(
                $"[kubelet] ConfigMap {name} already has serverTLSBootstrap: true "
                    + "and rotateCertificates: true; nothing changed"
            );
            return;
        }
        foreach (var change in result.Edit.Changes)
        {
            output.WriteLine($"[kubelet] ConfigMap {name}: {change}");
        }
        output.WriteLine("[kubelet] nodes pick this up on join or upgrade; on each existing node run");
        output.WriteLine(
            "\tkubeadm upgrade node phase kubelet-config   "
                + "(or: kubepki kubelet enable-serving-bootstrap --kubelet-config /var/lib/kubelet/config.yaml)"
        );
        output.WriteLine("\tsystemctl restart kubelet");
    }
}
