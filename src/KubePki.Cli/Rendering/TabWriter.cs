using System.Text;

namespace KubePki.Cli.Rendering;

/// <summary>Aligns tab-separated text exactly as Go's text/tabwriter does with flags 0 and a space pad character
/// (kubeadm prints its tables through it): a column block is a run of consecutive lines that have a tab-terminated
/// cell in that column; its width is max(minWidth, widest cell + padding); the text after a line's last tab is not
/// part of any column and is written as is.</summary>
public sealed class TabWriter(int minWidth, int padding)
{
    private readonly List<string[]> _lines = [];

    public void WriteLine(string line = "") => _lines.Add(line.Split('\t'));

    public string Flush()
    {
        var text = new StringBuilder();
        var widths = new List<int>();
        Format(text, widths, 0, _lines.Count);
        _lines.Clear();
        return text.ToString();
    }

    private void Format(StringBuilder text, List<int> widths, int line0, int line1)
    {
        var column = widths.Count;
        for (var current = line0; current < line1; current++)
        {
            if (column >= _lines[current].Length - 1)
            {
                continue;
            }
            WriteLines(text, widths, line0, current);
            line0 = current;
            var width = minWidth;
            for (; current < line1 && column < _lines[current].Length - 1; current++)
            {
                width = Math.Max(width, _lines[current][column].Length + padding);
            }
            widths.Add(width);
            Format(text, widths, line0, current);
            widths.RemoveAt(widths.Count - 1);
            line0 = current;
            current--;
        }
        WriteLines(text, widths, line0, line1);
    }

    private void WriteLines(StringBuilder text, List<int> widths, int line0, int line1)
    {
        for (var i = line0; i < line1; i++)
        {
            var cells = _lines[i];
            for (var j = 0; j < cells.Length; j++)
            {
                text.Append(cells[j]);
                if (j < widths.Count && j < cells.Length - 1)
                {
                    text.Append(' ', widths[j] - cells[j].Length);
                }
            }
            text.Append('\n');
        }
    }
}
