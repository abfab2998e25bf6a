"""Loading corpus/ and rubrics/ into the domain's typed models, with errors that name the file and field."""
