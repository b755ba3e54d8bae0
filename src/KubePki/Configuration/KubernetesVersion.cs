using System.Text.RegularExpressions;

namespace KubePki.Configuration;

/// <summary>The forms kubeadm's --kubernetes-version takes: a semantic version (v1.32.0, 1.32.0-rc.1) or a release
/// label (stable, stable-1, stable-1.32, latest, latest-1.32, ci/latest).</summary>
internal static partial class KubernetesVersion
{
    public static bool IsValid(string text) => text.Length <= 128 && Pattern().IsMatch(text);

    [GeneratedRegex(
        @"\A(?:v?[0-9]+\.[0-9]+\.[0-9]+(?:[-+][0-9A-Za-z.+-]+)?"
            + @"|(?:ci/|release/)?(?:stable|latest)(?:-[0-9]+(?:\.[0-9]+)?)?)\z"
    )]
    private static partial Regex Pattern();
}
