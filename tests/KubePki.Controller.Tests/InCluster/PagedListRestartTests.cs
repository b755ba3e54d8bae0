using System.Net;
using k8s.Autorest;
using k8s.Models;
using KubePki.InCluster;

namespace KubePki.Controller.Tests.InCluster;

/// <summary>A continue token the API server no longer honours (410 Gone: it expired while the client paged, as
/// kube-apiserver answers after its compaction) starts the list again from the first page; any other failure, or a
/// second 410, is the caller's.</summary>
public class PagedListRestartTests
{
    private static V1SecretList Page(string version, string? next, params string[] names) =>
        new()
        {
            Metadata = new V1ListMeta { ResourceVersion = version, ContinueProperty = next },
            Items = names.Select(n => new V1Secret { Metadata = new V1ObjectMeta { Name = n } }).ToList(),
        };

    private static HttpOperationException Status(HttpStatusCode code) =>
        new($"status {(int)code}") { Response = new HttpResponseMessageWrapper(new HttpResponseMessage(code), "") };

    [Fact]
    public async Task An_expired_continue_token_lists_again_from_the_first_page()
    {
        var requests = new List<string?>();
        var seen = new List<string>();
        var restarts = 0;
        var version = await PagedList.ReadAsync<V1SecretList, V1Secret>(
            (token, limit, _) =>
            {
                Assert.Equal(PagedList.PageSize, limit);
                requests.Add(token);
                return requests.Count switch
                {
                    1 => Task.FromResult(Page("10", "t1", "a")),
                    2 => throw Status(HttpStatusCode.Gone),
                    3 => Task.FromResult(Page("20", "t2", "a")),
                    _ => Task.FromResult(Page("21", null, "b")),
                };
            },
            s => seen.Add(s.Metadata.Name),
            CancellationToken.None,
            () =>
            {
                restarts++;
                seen.Clear();
            }
        );

        Assert.Equal([null, "t1", null, "t2"], requests);
        Assert.Equal(1, restarts);
        Assert.Equal(["a", "b"], seen);
        Assert.Equal("20", version);
    }

    [Theory]
    [InlineData(true, HttpStatusCode.Gone)]
    [InlineData(false, HttpStatusCode.InternalServerError)]
    public async Task A_first_page_410_a_second_410_or_another_failure_is_thrown(bool continued, HttpStatusCode code)
    {
        var calls = 0;
        var failure = await Assert.ThrowsAsync<HttpOperationException>(() =>
            PagedList.ReadAsync<V1SecretList, V1Secret>(
                (token, _, _) =>
                {
                    calls++;
                    return continued && token is null ? Task.FromResult(Page("1", "t", "a")) : throw Status(code);
                },
                _ => { },
                CancellationToken.None
            )
        );

        Assert.Equal(code, failure.Response.StatusCode);
        Assert.Equal(continued ? 4 : 1, calls);
    }
}
