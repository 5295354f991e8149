/** Integer arithmetic for `$(( ))`: + - * / % comparisons, && || ! and parentheses over variables. */

export function evalArith(expr: string, getVar: (name: string) => string | undefined): number {
  const tokens = expr.match(/\d+|[A-Za-z_][A-Za-z0-9_]*|&&|\|\||==|!=|<=|>=|[-+*/%()<>!]/g) ?? [];
  let i = 0;
  const peek = (): string | undefined => tokens[i];
  const take = (): string | undefined => tokens[i++];

  const primary = (): number => {
    const t = take();
    if (t === undefined) return 0;
    if (t === "(") {
      const v = or();
      take();
      return v;
    }
    if (t === "-") return -primary();
    if (t === "+") return primary();
    if (t === "!") return primary() ? 0 : 1;
    if (/^\d+$/.test(t)) return Number(t);
    const v = getVar(t);
    return v === undefined || v === "" ? 0 : Number.parseInt(v, 10) || 0;
  };
  const mul = (): number => {
    let v = primary();
    for (;;) {
      const op = peek();
      if (op !== "*" && op !== "/" && op !== "%") return v;
      take();
      const r = primary();
      if ((op === "/" || op === "%") && r === 0) throw new Error("division by zero");
      v = op === "*" ? v * r : op === "/" ? Math.trunc(v / r) : v % r;
    }
  };
  const add = (): number => {
    let v = mul();
    for (;;) {
      const op = peek();
      if (op !== "+" && op !== "-") return v;
      take();
      v = op === "+" ? v + mul() : v - mul();
    }
  };
  const cmp = (): number => {
    let v = add();
    for (;;) {
      const op = peek();
      if (!op || !["<", ">", "<=", ">=", "==", "!="].includes(op)) return v;
      take();
      const r = add();
      const res = op === "<" ? v < r : op === ">" ? v > r : op === "<=" ? v <= r : op === ">=" ? v >= r : op === "==" ? v === r : v !== r;
      v = res ? 1 : 0;
    }
  };
  const and = (): number => {
    let v = cmp();
    while (peek() === "&&") {
      take();
      const r = cmp();
      v = v && r ? 1 : 0;
    }
    return v;
  };
  const or = (): number => {
    let v = and();
    while (peek() === "||") {
      take();
      const r = and();
      v = v || r ? 1 : 0;
    }
    return v;
  };
  return or();
}
