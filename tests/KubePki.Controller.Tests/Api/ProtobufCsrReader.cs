using System.Text;
using k8s.Models;

namespace KubePki.Controller.Tests.Api;

/// <summary>Reads the Kubernetes protobuf envelope ("k8s\0" + runtime.Unknown) around a certificates.k8s.io/v1
/// CertificateSigningRequest, as kubectl's typed client sends for <c>certificate approve|deny</c>. Only the fields an
/// update can change are decoded (metadata name/resourceVersion/labels/annotations, status); the strategies take spec
/// from the stored object anyway. Field numbers are those of k8s.io/api's generated.proto.</summary>
public static class ProtobufCsrReader
{
    private static readonly byte[] Magic = [0x6b, 0x38, 0x73, 0x00];

    public static V1CertificateSigningRequest Read(byte[] body)
    {
        if (!body.AsSpan().StartsWith(Magic))
        {
            throw new ApiError(400, "BadRequest", "protobuf body without the k8s envelope");
        }
        byte[]? raw = null;
        foreach (var (field, value) in Fields(body[4..]))
        {
            if (field == 2)
            {
                raw = value;
            }
        }
        var csr = new V1CertificateSigningRequest
        {
            Metadata = new V1ObjectMeta(),
            Status = new V1CertificateSigningRequestStatus { Conditions = [] },
        };
        foreach (var (field, value) in Fields(raw ?? []))
        {
            switch (field)
            {
                case 1:
                    ReadMetadata(value, csr.Metadata);
                    break;
                case 3:
                    ReadStatus(value, csr.Status);
                    break;
            }
        }
        return csr;
    }

    private static void ReadMetadata(byte[] data, V1ObjectMeta metadata)
    {
        foreach (var (field, value) in Fields(data))
        {
            switch (field)
            {
                case 1:
                    metadata.Name = Encoding.UTF8.GetString(value);
                    break;
                case 6:
                    metadata.ResourceVersion = Encoding.UTF8.GetString(value);
                    break;
                case 11:
                    (metadata.Labels ??= new Dictionary<string, string>()).Add(MapEntry(value));
                    break;
                case 12:
                    (metadata.Annotations ??= new Dictionary<string, string>()).Add(MapEntry(value));
                    break;
            }
        }
    }

    private static KeyValuePair<string, string> MapEntry(byte[] data)
    {
        string key = "",
            text = "";
        foreach (var (field, value) in Fields(data))
        {
            if (field == 1)
            {
                key = Encoding.UTF8.GetString(value);
            }
            else if (field == 2)
            {
                text = Encoding.UTF8.GetString(value);
            }
        }
        return new(key, text);
    }

    private static void ReadStatus(byte[] data, V1CertificateSigningRequestStatus status)
    {
        foreach (var (field, value) in Fields(data))
        {
            if (field == 1)
            {
                var condition = new V1CertificateSigningRequestCondition();
                foreach (var (f, v) in Fields(value))
                {
                    switch (f)
                    {
                        case 1:
                            condition.Type = Encoding.UTF8.GetString(v);
                            break;
                        case 2:
                            condition.Reason = Encoding.UTF8.GetString(v);
                            break;
                        case 3:
                            condition.Message = Encoding.UTF8.GetString(v);
                            break;
                        case 4:
                            condition.LastUpdateTime = Time(v);
                            break;
                        case 5:
                            condition.LastTransitionTime = Time(v);
                            break;
                        case 6:
                            condition.Status = Encoding.UTF8.GetString(v);
                            break;
                    }
                }
                status.Conditions.Add(condition);
            }
            else if (field == 2)
            {
                status.Certificate = value;
            }
        }
    }

    // metav1.Time {int64 seconds = 1; int32 nanos = 2}; an empty message is the zero time, i.e. unset.
    private static DateTime? Time(byte[] data)
    {
        long seconds = 0;
        foreach (var (field, value) in Fields(data))
        {
            if (field == 1)
            {
                seconds = BitConverter.ToInt64(value);
            }
        }
        return seconds == 0 ? null : DateTime.UnixEpoch.AddSeconds(seconds);
    }

    /// <summary>Top-level fields of a message: length-delimited values as bytes, varints as 8 little-endian
    /// bytes.</summary>
    private static IEnumerable<(int Field, byte[] Value)> Fields(byte[] data)
    {
        var position = 0;
        while (position < data.Length)
        {
            var key = Varint(data, ref position);
            var field = (int)(key >> 3);
            switch (key & 7)
            {
                case 0:
                    yield return (field, BitConverter.GetBytes(Varint(data, ref position)));
                    break;
                case 2:
                    var length = (int)Varint(data, ref position);
                    yield return (field, data[position..(position + length)]);
                    position += length;
                    break;
                case 1:
                    position += 8;
                    break;
                case 5:
                    position += 4;
                    break;
                default:
                    throw new ApiError(400, "BadRequest", $"unsupported protobuf wire type {key & 7}");
            }
        }
    }

    private static long Varint(byte[] data, ref int position)
    {
        long result = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = data[position++];
            result |= (long)(b & 0x7f) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }
    }
}
