namespace Apmatrix.Hosting;

/// <summary>One page of a service's hosts (<c>GET /hosts?after=&amp;limit=</c>): those named after <see cref="After"/>, in name order.</summary>
public readonly record struct HostPage(string? After, int Limit)
{
    public const int DefaultLimit = 500;

    // A fleet has thousands of hosts: a page stays one modest response however many there are.
    public const int MaxLimit = 5000;
}

public static class HostPaging
{
    /// <summary>Reads <c>after</c> (a host name) and <c>limit</c> (1 to <see cref="HostPage.MaxLimit"/>).</summary>
    public static HostPage Page(this RequestErrors errors, string? after, string? limit)
    {
        var count = limit is null ? HostPage.DefaultLimit : errors.Number("limit", limit, 1, HostPage.MaxLimit) ?? HostPage.DefaultLimit;
        if (after is not null) errors.Name("after", after, "host");
        return new HostPage(after, count);
    }
}
