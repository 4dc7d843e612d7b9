//! Contract audit: the text of an outsourcing contract checked for the eight clauses of 第6条,
//! each finding quoting the article that shows it. Reads only the bytes it is given.
