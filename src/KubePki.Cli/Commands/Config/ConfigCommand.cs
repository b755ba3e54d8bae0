using System.CommandLine;

namespace KubePki.Cli.Commands.Config;

/// <summary><c>kubepki config print init-defaults</c>, shaped like kubeadm's <c>config print</c>.</summary>
public static class ConfigCommand
{
    public static Command Create(CliEnvironment env)
    {
        var config = new Command("config", "Manage configuration for a kubeadm cluster");
        var print = new Command("print", "Print configuration");
        var bootstrap = new Option<bool>("--kubelet-serving-bootstrap")
        {
            Description =
                "Add a KubeletConfiguration with serverTLSBootstrap: true and give the controller-manager the "
                + "cluster CA for signing (cluster-signing-cert-file/key-file).",
        };
        var initDefaults = new Command(
            "init-defaults",
            "Print default init configuration, that can be used for 'kubepki init phase certs --config' (and "
                + "'kubeadm init --config')"
        );
        initDefaults.Options.Add(bootstrap);
        initDefaults.SetAction(result =>
        {
            env.Out.Write(InitDefaults.Render(result.GetValue(bootstrap)));
            return 0;
        });
        print.Subcommands.Add(initDefaults);
        config.Subcommands.Add(print);
        return config;
    }
}
