using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
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

    /// <summary>An id set as the services read it: a range list (<c>4-5,9</c>) or sysfs hex (<c>0x0c</c>), both forms told in its help.</summary>
    public static Option<T> IdSet<T>(this Option<T> option)
    {
        // A mask numbers its bits from the left, as sysfs does: 0x10 is id 3, where mdev's --assign-adapter 0x10 is 16.
        option.Description += ": a range list like 4-5,9, or a sysfs mask like 0x0c (bit 0 leftmost: ids 4-5)";
        option.Validators.Add(result => Check(result, text => Bitmap256.TryParse(text, out _, out var error) ? null : $"{option.Name}: {error}"));
        return option;
    }

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>, named as the option when it is none.</summary>
    public static Option<int> Within(this Option<int> option, int min, int max = int.MaxValue)
    {
        option.CustomParser = result => WholeNumber(result, option.Name, min, max) ?? 0;
        return option;
    }

    public static Option<int?> Within(this Option<int?> option, int min, int max = int.MaxValue)
    {
        option.CustomParser = result => WholeNumber(result, option.Name, min, max);
        return option;
    }

    // The parser's own message for a number it cannot read names the CLR type (System.Nullable`1[...]), not the option.
    static int? WholeNumber(ArgumentResult result, string name, int min, int max)
    {
        var text = result.Tokens.Single().Value;
        var range = max == int.MaxValue ? $"{min} or more" : $"from {min} to {max}";
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
            result.AddError($"{name}: '{text}' is not a whole number {range}");
        else if (n < min || n > max)
            result.AddError($"{name}: {n} is not {range}");
        else
            return n;
        return null;
    }

    /// <summary>Refuses <paramref name="option"/> given without <paramref name="flag"/>, which it only means something with.</summary>
    public static Command OnlyWith<T>(this Command command, Option<T> option, Option<bool> flag, string why)
    {
        command.Validators.Add(result =>
        {
            if (result.GetResult(option) is { Implicit: false } && !result.GetValue(flag)) result.AddError($"{option.Name}: only with {flag.Name} ({why})");
        });
        return command;
    }

    static void Check(SymbolResult result, Func<string, string?> problem)
    {
        foreach (var token in result.Tokens)
            if (problem(token.Value) is { } message) result.AddError(message);
    }
}
