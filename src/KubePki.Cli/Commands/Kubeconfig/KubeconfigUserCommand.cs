using System.CommandLine;
using KubePki.Lifecycle;

namespace KubePki.Cli.Commands.Kubeconfig;

/// <summary><c>kubepki kubeconfig user --client-name NAME</c>: prints a kubeconfig for an extra user, signed by the
/// cluster CA.</summary>
public static class KubeconfigUserCommand
{
    public static Command Create(CliEnvironment env)
    {
        var options = new ClusterOptions();
        var clientName = new Option<string>("--client-name")
        {
            Description = "The name of user. It will be used as the CN if client certificates are created",
            Required = true,
        };
        var org = new Option<string[]>("--org")
        {
            Description =
                "The organizations of the client certificate. It will be used as the O if client "
                + "certificates are created (comma-separated or repeated)",
        };
        var token = new Option<string?>("--token")
        {
            Description =
                "The token that should be used as the authentication mechanism for this kubeconfig, "
                + "instead of client certificates",
        };
        var validity = new Option<string?>("--validity-period")
        {
            Description =
                "The validity period of the client certificate. It is an offset from the current time. (default "
                + "8760h0m0s)",
        };
        var command = new Command("user", "Output a kubeconfig file for an additional user");
        foreach (
            var option in new Option[]
            {
                clientName,
                org,
                token,
                validity,
                options.Config,
                options.CertDir,
                options.AdvertiseAddress,
                options.ControlPlaneEndpoint,
                options.BindPort,
            }
        )
        {
            command.Options.Add(option);
        }
        command.SetAction(result =>
            CommandGuard.Run(
                env,
                () =>
                {
                    var period = result.GetValue(validity) is { } text
                        ? DurationFlag.ReadPositive(text, "--validity-period")
                        : KubeconfigGenerator.UserValidity;
                    var (context, _) = RunContext.Create(env, options, result, env.Error);
                    if (KubeconfigGenerator.UserValidityWarning(period) is { } warning)
                    {
                        env.Error.WriteLine(warning);
                    }
                    var generator = new KubeconfigGenerator(context);
                    var server = KubeconfigGenerator.ControlPlaneUrl(context.Config);
                    var name = result.GetValue(clientName)!;
                    var organizations = (result.GetValue(org) ?? []).SelectMany(o => o.Split(',')).ToList();
                    env.Out.Write(
                        result.GetValue(token) is { Length: > 0 } bearer
                            ? generator.BuildWithToken(name, bearer, server)
                            : generator.Build(name, organizations, server, period)
                    );
                    return 0;
                }
            )
        );
        return command;
    }
}
