namespace KubePki.Kubelet;

/// <summary>The result of editing a KubeletConfiguration: the new text (equal to the old one when nothing had to
/// change) and one line per change made.</summary>
internal sealed record KubeletConfigEdit(string Text, IReadOnlyList<string> Changes)
{
    public bool Changed => Changes.Count > 0;
}
