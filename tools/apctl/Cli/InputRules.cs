using System.CommandLine;
using System.CommandLine.Parsing;
using Apmatrix.ApModel;

namespace Apmatrix.Apctl.Cli;

/// <summary>
/// The services' rules for names and id sets, checked as the command line parses: a value they would refuse is bad usage
/// (2) before any request, so nothing has changed and a bad name never becomes another route.
/// </summary>
public static class InputRules
{
    /// <summary>A host, mdev or guest name (<paramref name="what"/>) by <see cref="Names"/>'s rule.</summary>
    public static Argument<string> Named(this Argument<string> argument, string what)
    {
        argument.Validators.Add(result => Check(result, name => Names.Problem(what, name)));
        return argument;
    }

    public static Option<T> Named<T>(this Option<T> option, string what)
    {
        option.Validators.Add(result => Check(result, name => Names.Problem(what, name)));
        return option;
    }

    /// <summary>An id set as the services read it: a range list (<c>4-5,9</c>) or sysfs hex (<c>0x0c</c>).</summary>
    public static Option<T> IdSet<T>(this Option<T> option)
    {
        option.Validators.Add(result => Check(result, text => Bitmap256.TryParse(text, out _, out var error) ? null : $"{option.Name}: {error}"));
        return option;
    }

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>; one that is no number at all is the parser's error already.</summary>
    public static Option<T> Within<T>(this Option<T> option, int min, int max = int.MaxValue)
    {
        var range = max == int.MaxValue ? $"{min} or more" : $"from {min} to {max}";
        option.Validators.Add(result => Check(result, text =>
            int.TryParse(text, out var n) && (n < min || n > max) ? $"{option.Name}: {n} is not {range}" : null));
        return option;
    }

    static void Check(SymbolResult result, Func<string, string?> problem)
    {
        foreach (var token in result.Tokens)
            if (problem(token.Value) is { } message) result.AddError(message);
    }
}
